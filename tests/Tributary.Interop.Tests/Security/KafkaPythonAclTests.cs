using System.Text.Json;
using Tributary.Broker;
using Tributary.Broker.Security;

namespace Tributary.Interop.Tests.Security;

/// <summary>
/// kafka-python 2.0.2 (SASL PLAIN with its v0 handshake and raw tokens) against ACLs: a super user grants ACLs with
/// kafka-python's own admin client, the granted user produces, consumes in a group and commits, an ungranted one is
/// refused with kafka-python's GroupAuthorizationFailedError. (Refused a topic's metadata, kafka-python's producer
/// retries until max_block_ms instead of raising, against Kafka as here, so the refusal is shown with a consumer.)
/// </summary>
public sealed class KafkaPythonAclTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const string Python = "/usr/bin/python3";
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        Users = new Dictionary<string, string> { ["admin"] = "admin-secret", ["alice"] = "alice-secret", ["bob"] = "bob-secret" },
        EnableAuthorizer = true,
        SuperUsers = ["User:admin"],
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<JsonElement> RunAsync(string command, string user, params string[] arguments) =>
        ExternalClient.RunJsonAsync(Python,
            ["python/kafka_python_acls.py", command, "--bootstrap", _cluster.BootstrapServers, "--user", user, "--password", $"{user}-secret", .. arguments],
            Timeout);

    [Fact]
    public async Task Acls_granted_with_kafka_pythons_admin_client_let_a_user_produce_consume_and_commit_and_refuse_another()
    {
        await _cluster.CreateTopicAsync("py-orders", partitions: 2);

        var granted = await RunAsync("grant", "admin", "--principal", "User:alice", "--prefix", "py-", "--group", "py-readers");
        var used = await RunAsync("produce-consume", "alice", "--topic", "py-orders", "--group", "py-readers", "--count", "6");
        var refused = await RunAsync("consume-in-group", "bob", "--topic", "py-orders", "--group", "py-readers");

        Assert.Equal(3, granted.GetProperty("created").GetInt32());
        Assert.Equal(["GROUP:LITERAL:py-readers:READ", "TOPIC:PREFIXED:py-:READ", "TOPIC:PREFIXED:py-:WRITE"],
            granted.GetProperty("described").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("NoError", granted.GetProperty("describe_error").GetString());
        Assert.Equal((6, 6), (used.GetProperty("consumed").GetInt32(), used.GetProperty("committed").GetInt32()));
        Assert.Equal("GroupAuthorizationFailedError", refused.GetProperty("error").GetString());
        Assert.Equal(3, _cluster.GetAcls(new AclBindingFilter(Principal: "User:alice")).Count);
    }

    [Fact]
    public async Task Kafka_pythons_admin_client_deletes_the_acls_a_filter_matches()
    {
        await _cluster.AddAclsAsync([AclBinding.Allow("User:carol", AclOperation.Read, AclResourceType.Topic, "x"), AclBinding.Allow("User:carol", AclOperation.Read, AclResourceType.Group, "y")]);

        var revoked = await RunAsync("revoke", "admin", "--principal", "User:carol");

        Assert.Equal((2, "NoError"), (revoked.GetProperty("deleted").GetInt32(), revoked.GetProperty("error").GetString()));
        Assert.Empty(_cluster.GetAcls());
    }
}
