using System.Diagnostics;
using Tributary.Broker;
using Tributary.Testing;

namespace Tributary.Cli.Tests;

/// <summary>
/// <c>tributary acls</c> against a cluster with the authorizer on (the CLI connects over PLAINTEXT as
/// <c>User:ANONYMOUS</c>, a super user here), and <c>tributary broker --authorizer --super-user</c>.
/// </summary>
[Collection(ErrorKafkaCollection.Name)]
public sealed class AclsCommandTests(EmbeddedKafkaFixture unsecured) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { EnableAuthorizer = true, SuperUsers = ["User:ANONYMOUS"] });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<CliResult> AclsAsync(params string[] args) => CliRunner.RunAsync(_cluster.BootstrapServers, null, ["acls", .. args]);

    [Fact]
    public async Task Acls_are_created_listed_matched_and_deleted_as_tab_separated_lines()
    {
        var created = await AclsAsync("create", "--allow-principal", "User:alice", "--operation", "Read", "--operation", "describe",
            "--topic", "pay-", "--resource-pattern-type", "prefixed");
        var consumer = await AclsAsync("create", "--allow-principal", "User:bob", "--consumer", "--topic", "orders", "--group", "billing");
        var denied = await AclsAsync("create", "--deny-principal", "User:eve", "--operation", "All", "--transactional-id", "tx", "--cluster", "--host", "10.0.0.9");
        var matched = await AclsAsync("list", "--topic", "pay-eu", "--resource-pattern-type", "match");
        var deleted = await AclsAsync("delete", "--topic", "orders", "--group", "billing");
        var listed = await AclsAsync("list");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(["TOPIC\tPREFIXED\tpay-\tUser:alice\t*\tREAD\tALLOW", "TOPIC\tPREFIXED\tpay-\tUser:alice\t*\tDESCRIBE\tALLOW"], created.StdoutLines);
        Assert.Equal(["TOPIC\tLITERAL\torders\tUser:bob\t*\tREAD\tALLOW", "TOPIC\tLITERAL\torders\tUser:bob\t*\tDESCRIBE\tALLOW", "GROUP\tLITERAL\tbilling\tUser:bob\t*\tREAD\tALLOW"],
            consumer.StdoutLines);
        Assert.True(denied.ExitCode == 0, denied.ToString());
        Assert.Equal(created.StdoutLines, matched.StdoutLines);
        Assert.Equal(consumer.StdoutLines.Order(), deleted.StdoutLines.Order());
        Assert.Equal([.. created.StdoutLines, "TRANSACTIONAL_ID\tLITERAL\ttx\tUser:eve\t10.0.0.9\tALL\tDENY", "CLUSTER\tLITERAL\tkafka-cluster\tUser:eve\t10.0.0.9\tALL\tDENY"],
            listed.StdoutLines);
        Assert.Equal(4, _cluster.GetAcls().Count);
    }

    [Theory]
    [InlineData("bad principal 'alice'", "create", "--allow-principal", "alice", "--operation", "read", "--topic", "t")]
    [InlineData("IDEMPOTENT_WRITE does not apply to TOPIC resources", "create", "--allow-principal", "User:a", "--operation", "IdempotentWrite", "--topic", "t")]
    [InlineData("unknown operation 'launch'", "create", "--allow-principal", "User:a", "--operation", "launch", "--topic", "t")]
    [InlineData("bad --resource-pattern-type 'match'", "create", "--allow-principal", "User:a", "--operation", "read", "--topic", "t", "--resource-pattern-type", "match")]
    [InlineData("--consumer needs a --group", "create", "--allow-principal", "User:a", "--consumer", "--topic", "t")]
    [InlineData("name at least one resource", "delete", "--allow-principal", "User:a")]
    public async Task Mistakes_are_reported_in_one_line_with_exit_code_1(string message, params string[] args)
    {
        var result = await AclsAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("tributary: ", result.Stderr);
        Assert.Contains(message, result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_cluster_without_an_authorizer_is_named_as_such()
    {
        var listed = await CliRunner.RunAsync(unsecured.BootstrapServers, null, "acls", "list");
        var created = await CliRunner.RunAsync(unsecured.BootstrapServers, null, "acls", "create", "--allow-principal", "User:a", "--operation", "read", "--topic", "t");

        Assert.Equal(1, listed.ExitCode);
        Assert.Contains("the cluster has no authorizer", listed.Stderr);
        Assert.Equal(1, created.ExitCode);
        Assert.Contains("SecurityDisabled", created.Stderr);
    }

    [Fact]
    public async Task Broker_with_authorizer_refuses_what_no_ACL_allows_and_its_super_users_may_do_anything()
    {
        var refused = await WithBrokerAsync(["--authorizer"], bootstrap => CliRunner.RunAsync(bootstrap, null,
            "acls", "create", "--allow-principal", "User:a", "--operation", "read", "--topic", "t"));
        var allowed = await WithBrokerAsync(["--authorizer", "--super-user", "User:ANONYMOUS", "--super-user", "User:admin"], bootstrap => CliRunner.RunAsync(bootstrap, null,
            "acls", "create", "--allow-principal", "User:a", "--operation", "read", "--topic", "t"));
        var badSuperUser = await CliRunner.RunAsync(null, null, "broker", "--port", "0", "--super-user", "admin");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("ClusterAuthorizationFailed", refused.Stderr);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
        Assert.Equal(1, badSuperUser.ExitCode);
        Assert.Contains("bad --super-user 'admin'", badSuperUser.Stderr);
    }

    private static async Task<CliResult> WithBrokerAsync(string[] flags, Func<string, Task<CliResult>> use)
    {
        using var broker = CliRunner.Start(null, ["broker", "--port", "0", .. flags]);
        _ = broker.StandardError.ReadToEndAsync();
        try
        {
            var bootstrap = await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience) ?? throw new InvalidOperationException("The broker printed nothing.");
            return await use(bootstrap);
        }
        finally
        {
            CliRunner.Terminate(broker);
            await broker.WaitForExitAsync().WaitAsync(Patience);
        }
    }
}
