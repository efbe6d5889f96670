using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Broker.Tests.Security;

/// <summary>DescribeUserScramCredentials and AlterUserScramCredentials from Confluent.Kafka's admin client, and their effect on SCRAM logins.</summary>
public class ScramCredentialAdminTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        Users = new Dictionary<string, string> { ["alice"] = "alice-secret", ["carol"] = "carol-secret" },
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _cluster.BootstrapServers }).Build();

    /// <summary>Whether a producer logging in this way delivers a message (true) or gets librdkafka's authentication error (false).</summary>
    private async Task<bool> CanLogInAsync(SaslMechanism mechanism, string user, string password)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = _cluster.GetBootstrapServers("SASL_PLAINTEXT"),
            SecurityProtocol = SecurityProtocol.SaslPlaintext,
            SaslMechanism = mechanism,
            SaslUsername = user,
            SaslPassword = password,
            LingerMs = 0,
        };
        var failed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = new ProducerBuilder<Null, string>(config)
            .SetErrorHandler((_, e) => { if (e.Code == ErrorCode.Local_Authentication) failed.TrySetResult(false); })
            .Build();
        var delivered = producer.ProduceAsync("logins", new Message<Null, string> { Value = user });
        var first = await Task.WhenAny(delivered, failed.Task).WaitAsync(Timeout);
        return first == delivered && (await delivered).Status == PersistenceStatus.Persisted;
    }

    [Fact]
    public async Task Every_configured_user_has_both_scram_mechanisms_with_4096_iterations()
    {
        using var admin = Admin();
        var described = await admin.DescribeUserScramCredentialsAsync(["alice"]);
        var alice = described.UserScramCredentialsDescriptions.Single();
        Assert.Equal("alice", alice.User);
        Assert.Equal([(ScramMechanism.ScramSha256, 4096), (ScramMechanism.ScramSha512, 4096)],
            alice.ScramCredentialInfos.Select(i => (i.Mechanism, i.Iterations)).OrderBy(i => i.Mechanism));
    }

    [Fact]
    public async Task An_upserted_credential_logs_in_with_its_mechanism_only()
    {
        using var admin = Admin();
        await admin.AlterUserScramCredentialsAsync([new UserScramCredentialUpsertion
        {
            User = "bob",
            ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha256, Iterations = 8192 },
            Password = "bob-secret"u8.ToArray(),
        }]);

        var bob = (await admin.DescribeUserScramCredentialsAsync(["bob"])).UserScramCredentialsDescriptions.Single();
        Assert.Equal((ScramMechanism.ScramSha256, 8192), (bob.ScramCredentialInfos.Single().Mechanism, bob.ScramCredentialInfos.Single().Iterations));
        Assert.True(await CanLogInAsync(SaslMechanism.ScramSha256, "bob", "bob-secret"));
        Assert.False(await CanLogInAsync(SaslMechanism.ScramSha512, "bob", "bob-secret"));
        Assert.False(await CanLogInAsync(SaslMechanism.Plain, "bob", "bob-secret"));
    }

    [Fact]
    public async Task A_deleted_credential_no_longer_logs_in_while_plain_still_does()
    {
        using var admin = Admin();
        await admin.AlterUserScramCredentialsAsync([new UserScramCredentialDeletion { User = "carol", Mechanism = ScramMechanism.ScramSha512 }]);
        Assert.False(await CanLogInAsync(SaslMechanism.ScramSha512, "carol", "carol-secret"));
        Assert.True(await CanLogInAsync(SaslMechanism.ScramSha256, "carol", "carol-secret"));
        Assert.True(await CanLogInAsync(SaslMechanism.Plain, "carol", "carol-secret"));
    }

    [Fact]
    public async Task Describing_an_unknown_user_is_resource_not_found()
    {
        using var admin = Admin();
        var error = await Assert.ThrowsAsync<DescribeUserScramCredentialsException>(() => admin.DescribeUserScramCredentialsAsync(["alice", "nobody"]));
        var results = error.Results.UserScramCredentialsDescriptions.ToDictionary(d => d.User);
        Assert.Equal(ErrorCode.NoError, results["alice"].Error.Code);
        Assert.Equal(ErrorCode.ResourceNotFound, results["nobody"].Error.Code);
        Assert.Contains("does not exist: nobody", results["nobody"].Error.Reason);
    }

    [Fact]
    public async Task Invalid_alterations_fail_per_user_with_kafkas_errors_and_change_nothing()
    {
        using var admin = Admin();
        UserScramCredentialAlteration Upsert(string user, int iterations, ScramMechanism mechanism = ScramMechanism.ScramSha256) => new UserScramCredentialUpsertion
        {
            User = user,
            ScramCredentialInfo = new ScramCredentialInfo { Mechanism = mechanism, Iterations = iterations },
            Password = "x"u8.ToArray(),
        };
        var error = await Assert.ThrowsAsync<AlterUserScramCredentialsException>(() => admin.AlterUserScramCredentialsAsync(
        [
            Upsert("few", 1000),
            Upsert("many", 20000),
            Upsert("twice", 4096),
            new UserScramCredentialDeletion { User = "twice", Mechanism = ScramMechanism.ScramSha256 },
            new UserScramCredentialDeletion { User = "ghost", Mechanism = ScramMechanism.ScramSha512 },
            Upsert("dave", 4096),
        ]));
        var results = error.Results.ToDictionary(r => r.User, r => r.Error);
        Assert.Equal(ErrorCode.UnacceptableCredential, results["few"].Code);
        Assert.Equal("Too few iterations", results["few"].Reason);
        Assert.Equal(ErrorCode.UnacceptableCredential, results["many"].Code);
        Assert.Equal(ErrorCode.DuplicateResource, results["twice"].Code);
        Assert.Equal(ErrorCode.ResourceNotFound, results["ghost"].Code);
        Assert.Equal(ErrorCode.NoError, results["dave"].Code);

        var described = await Assert.ThrowsAsync<DescribeUserScramCredentialsException>(() => admin.DescribeUserScramCredentialsAsync(["few", "twice", "dave"]));
        Assert.Equal(["dave"], described.Results.UserScramCredentialsDescriptions.Where(d => d.Error.Code == ErrorCode.NoError).Select(d => d.User));
    }
}
