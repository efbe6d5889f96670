using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Confluent.Kafka;

namespace Tributary.Cli.Tests;

/// <summary>
/// <c>tributary broker --control-port</c>: every endpoint driven over HTTP as a Python or JavaScript test suite would,
/// its effect checked with Confluent.Kafka against the same process; bad requests get a JSON 4xx and the server
/// carries on.
/// </summary>
public sealed class ControlPortTests(ControlledBroker broker) : IClassFixture<ControlledBroker>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private IAdminClient Admin(string? bootstrap = null) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap ?? broker.Bootstrap }).Build();

    private async Task CreateTopicAsync(string name, int partitions = 1, int replicationFactor = 3) =>
        await broker.OkAsync(HttpMethod.Post, "/topics", new { name, partitions, replicationFactor });

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    private async Task<JsonElement> PartitionAsync(string topic, int partition) =>
        (await broker.OkAsync(HttpMethod.Get, $"/topics/{topic}")).GetProperty("partitions")[partition];

    [Fact]
    public async Task Bad_requests_get_a_json_error_with_a_4xx_status_and_the_server_carries_on()
    {
        var cases = new (HttpMethod Method, string Path, object? Body, HttpStatusCode Status, string Error)[]
        {
            (HttpMethod.Get, "/no/such/route", null, HttpStatusCode.NotFound, "no control at /no/such/route"),
            (HttpMethod.Get, "/brokers/1/stop", null, HttpStatusCode.MethodNotAllowed, "takes POST, not GET"),
            (HttpMethod.Post, "/brokers/9/stop", null, HttpStatusCode.NotFound, "no broker 9"),
            (HttpMethod.Post, "/brokers/x/stop", null, HttpStatusCode.NotFound, "id 'x' is not a number"),
            (HttpMethod.Post, "/brokers/1/latency", "{ms: 1", HttpStatusCode.BadRequest, "the body is not valid JSON"),
            (HttpMethod.Post, "/brokers/1/latency", "[1]", HttpStatusCode.BadRequest, "the body must be a JSON object"),
            (HttpMethod.Post, "/brokers/1/latency", new { ms = "slow" }, HttpStatusCode.BadRequest, "\"ms\" must be an integer"),
            (HttpMethod.Post, "/brokers/1/latency", new { ms = -5 }, HttpStatusCode.BadRequest, "\"ms\" cannot be negative"),
            (HttpMethod.Post, "/topics", new { partitions = 1 }, HttpStatusCode.BadRequest, "the body needs \"name\""),
            (HttpMethod.Get, "/topics/none-such", null, HttpStatusCode.NotFound, "no topic 'none-such'"),
            (HttpMethod.Post, "/rules", new { action = "explode" }, HttpStatusCode.BadRequest, "\"action\" is error, delay, drop or hold"),
            (HttpMethod.Post, "/rules", new { action = "error", error = "NO_SUCH_ERROR" }, HttpStatusCode.BadRequest, "unknown Kafka error 'NO_SUCH_ERROR'"),
            (HttpMethod.Post, "/rules", new { action = "hold", match = new { api = "Teleport" } }, HttpStatusCode.BadRequest, "unknown Kafka API 'Teleport'"),
            (HttpMethod.Delete, "/rules/77", null, HttpStatusCode.NotFound, "no rule 77"),
            (HttpMethod.Post, "/topics/none-such/partitions/0/leader", new { broker = 1 }, HttpStatusCode.Conflict, "No partition none-such-0"),
        };
        foreach (var (method, path, body, status, error) in cases)
        {
            var (got, answer) = await broker.CallAsync(method, path, body);
            Assert.True(got == status, $"{method} {path}: {(int)got} {answer}");
            Assert.Contains(error, answer.GetProperty("error").GetString());
        }

        var listed = await broker.OkAsync(HttpMethod.Get, "/");
        Assert.Contains(listed.EnumerateArray(), route => route.GetProperty("path").GetString() == "/brokers/{id}/isolate");
        Assert.Equal(3, (await broker.OkAsync(HttpMethod.Get, "/brokers")).GetArrayLength());
    }

    [Fact]
    public async Task Topics_are_created_described_and_deleted_and_clients_see_them()
    {
        var created = await broker.OkAsync(HttpMethod.Post, "/topics",
            new { name = "ctl-topics", partitions = 2, replicationFactor = 2, configs = new Dictionary<string, string> { ["retention.ms"] = "60000" } });

        Assert.Equal(2, created.GetProperty("partitions").GetArrayLength());
        Assert.Equal("60000", created.GetProperty("configs").GetProperty("retention.ms").GetString());
        using (var admin = Admin())
            Assert.Equal(2, admin.GetMetadata("ctl-topics", Patience).Topics.Single().Partitions.Count);
        var (status, exists) = await broker.CallAsync(HttpMethod.Post, "/topics", new { name = "ctl-topics" });
        Assert.Equal((HttpStatusCode.Conflict, "TOPIC_ALREADY_EXISTS"), (status, exists.GetProperty("kafkaError").GetString()));
        Assert.Contains((await broker.OkAsync(HttpMethod.Get, "/topics")).EnumerateArray(), t => t.GetProperty("name").GetString() == "ctl-topics");

        await broker.OkAsync(HttpMethod.Delete, "/topics/ctl-topics");

        Assert.Equal(HttpStatusCode.NotFound, (await broker.CallAsync(HttpMethod.Get, "/topics/ctl-topics")).Status);
    }

    [Fact]
    public async Task A_stopped_or_crashed_broker_leaves_the_metadata_and_comes_back_when_started()
    {
        using var admin = Admin();
        foreach (var action in new[] { "stop", "crash" })
        {
            await broker.OkAsync(HttpMethod.Post, $"/brokers/3/{action}");
            Assert.False((await broker.OkAsync(HttpMethod.Get, "/brokers/3")).GetProperty("alive").GetBoolean());
            await EventuallyAsync(() => Task.FromResult(admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Count == 2), $"clients see broker 3 gone after {action}");

            await broker.OkAsync(HttpMethod.Post, "/brokers/3/start");

            Assert.True((await broker.OkAsync(HttpMethod.Get, "/brokers/3")).GetProperty("alive").GetBoolean());
            await EventuallyAsync(() => Task.FromResult(admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Count == 3), "clients see broker 3 back");
        }
    }

    [Fact]
    public async Task Latency_drop_isolate_black_hole_and_heal_act_on_one_brokers_clients()
    {
        var brokerTwo = (await broker.OkAsync(HttpMethod.Get, "/brokers/2")).GetProperty("port").GetInt32();
        using var admin = Admin($"127.0.0.1:{brokerTwo}");
        admin.GetMetadata(Patience);

        await broker.OkAsync(HttpMethod.Post, "/brokers/2/latency", new { ms = 700 });
        var slow = await RoundTripAsync(brokerTwo, TimeSpan.FromSeconds(10));
        Assert.True(slow >= TimeSpan.FromMilliseconds(650), $"broker 2 answered in {slow} with 700 ms latency");
        Assert.Equal(700, (await broker.OkAsync(HttpMethod.Get, "/brokers/2")).GetProperty("latencyMs").GetInt64());
        await broker.OkAsync(HttpMethod.Post, "/brokers/2/latency", new { ms = 0 });

        await broker.OkAsync(HttpMethod.Post, "/brokers/2/drop");
        admin.GetMetadata(Patience); // librdkafka reconnects

        await broker.OkAsync(HttpMethod.Post, "/brokers/2/isolate");
        Assert.True((await broker.OkAsync(HttpMethod.Get, "/brokers/2")).GetProperty("isolated").GetBoolean());
        Assert.False(await AnswersAsync(brokerTwo), "an isolated broker answers nobody");
        await broker.OkAsync(HttpMethod.Post, "/brokers/2/heal");
        Assert.True(await AnswersAsync(brokerTwo), "a healed broker answers again");

        await broker.OkAsync(HttpMethod.Post, "/brokers/2/black-hole");
        Assert.False(await AnswersAsync(brokerTwo), "a black hole never answers");
        await broker.OkAsync(HttpMethod.Post, "/heal");
        Assert.True(await AnswersAsync(brokerTwo), "healed");
    }

    // Whether the broker at port answers an ApiVersions request within a second.
    private static async Task<bool> AnswersAsync(int port) => await RoundTripAsync(port, TimeSpan.FromSeconds(1)) is not null;

    // How long the broker at port takes to answer an ApiVersions request on a new connection; null when it does not within the timeout.
    private static async Task<TimeSpan?> RoundTripAsync(int port, TimeSpan timeout)
    {
        try
        {
            using var client = new TcpClient();
            using var deadline = new CancellationTokenSource(timeout);
            await client.ConnectAsync("127.0.0.1", port, deadline.Token);
            var stream = client.GetStream();
            // ApiVersions v0, correlation id 1, client id "probe".
            byte[] request = [0, 0, 0, 15, 0, 18, 0, 0, 0, 0, 0, 1, 0, 5, (byte)'p', (byte)'r', (byte)'o', (byte)'b', (byte)'e'];
            var timer = Stopwatch.StartNew();
            await stream.WriteAsync(request, deadline.Token);
            return await stream.ReadAsync(new byte[4], deadline.Token) > 0 ? timer.Elapsed : null;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Leaders_and_coordinators_move_where_they_are_told_and_clients_follow()
    {
        await CreateTopicAsync("ctl-leaders");
        var leader = (await PartitionAsync("ctl-leaders", 0)).GetProperty("leader").GetInt32();
        var target = leader % 3 + 1;

        var moved = await broker.OkAsync(HttpMethod.Post, "/topics/ctl-leaders/partitions/0/leader", new { broker = target });

        Assert.Equal(target, moved.GetProperty("leader").GetInt32());
        using (var admin = Admin())
        {
            await EventuallyAsync(() => Task.FromResult(admin.GetMetadata("ctl-leaders", Patience).Topics.Single().Partitions[0].Leader == target), "metadata names the new leader");
        }
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap }).Build())
        {
            var delivered = await producer.ProduceAsync("ctl-leaders", new Message<Null, string> { Value = "after the move" });
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        }

        var group = await broker.OkAsync(HttpMethod.Post, "/groups/ctl-group/coordinator", new { broker = 2 });
        Assert.Equal(2, group.GetProperty("coordinator").GetInt32());
        Assert.Equal(2, (await broker.OkAsync(HttpMethod.Get, "/groups/ctl-group/coordinator")).GetProperty("coordinator").GetInt32());
        var transaction = await broker.OkAsync(HttpMethod.Post, "/transactions/ctl-tx/coordinator", new { broker = 3 });
        Assert.Equal(3, transaction.GetProperty("coordinator").GetInt32());
        var (refused, answer) = await broker.CallAsync(HttpMethod.Post, "/groups/ctl-group/coordinator", new { broker = 7 });
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("No broker with id 7", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Request_rules_fail_and_hold_produces_and_the_request_log_shows_them()
    {
        await CreateTopicAsync("ctl-rules");
        await broker.OkAsync(HttpMethod.Post, "/requests/recording", new { capacity = 1000 });
        var failing = await broker.OkAsync(HttpMethod.Post, "/rules",
            new { match = new { api = "Produce", topic = "ctl-rules" }, action = "error", error = "NOT_LEADER_OR_FOLLOWER", times = 1 });
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, LingerMs = 0 }).Build();

        var first = await producer.ProduceAsync("ctl-rules", new Message<Null, string> { Value = "retried" });

        Assert.Equal(PersistenceStatus.Persisted, first.Status);
        var produces = await broker.OkAsync(HttpMethod.Get, "/requests?api=Produce&topic=ctl-rules");
        Assert.True(produces.GetArrayLength() >= 2, $"the failed produce was retried: {produces}");
        Assert.Equal(failing.GetProperty("id").GetInt64(), produces[0].GetProperty("ruleId").GetInt64());
        Assert.Equal(6, produces[0].GetProperty("response").GetProperty("responses")[0].GetProperty("partitionResponses")[0].GetProperty("errorCode").GetInt32());

        var hold = await broker.OkAsync(HttpMethod.Post, "/rules", new { match = new { api = "Produce", topic = "ctl-rules" }, action = "hold" });
        var rule = hold.GetProperty("id").GetInt64();
        var held = producer.ProduceAsync("ctl-rules", new Message<Null, string> { Value = "held" });
        await EventuallyAsync(async () => (await broker.OkAsync(HttpMethod.Get, $"/rules/{rule}")).GetProperty("held").GetInt32() == 1, "the rule holds the produce");
        Assert.False(held.IsCompleted);

        await broker.OkAsync(HttpMethod.Post, $"/rules/{rule}/release");

        Assert.Equal(PersistenceStatus.Persisted, (await held.WaitAsync(Patience)).Status);
        await broker.OkAsync(HttpMethod.Delete, $"/rules/{rule}");
        Assert.Empty((await broker.OkAsync(HttpMethod.Get, "/rules")).EnumerateArray());
        await broker.OkAsync(HttpMethod.Delete, "/requests/recording");
        await broker.OkAsync(HttpMethod.Delete, "/requests");
        Assert.Equal(0, (await broker.OkAsync(HttpMethod.Get, "/requests")).GetArrayLength());
    }

    [Fact]
    public async Task Paused_replication_takes_a_follower_out_of_the_isr_and_resumed_brings_it_back()
    {
        await CreateTopicAsync("ctl-replication");
        var partition = await PartitionAsync("ctl-replication", 0);
        var follower = partition.GetProperty("replicas").EnumerateArray().Select(r => r.GetInt32()).First(r => r != partition.GetProperty("leader").GetInt32());
        await broker.OkAsync(HttpMethod.Post, $"/brokers/{follower}/replication/pause");
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.Bootstrap, Acks = Acks.Leader }).Build();
        await producer.ProduceAsync("ctl-replication", new Message<Null, string> { Value = "unreplicated" });

        // replica.lag.time.max.ms=1500 (given with --config): the paused follower leaves the ISR.
        await EventuallyAsync(async () => (await PartitionAsync("ctl-replication", 0)).GetProperty("isr").GetArrayLength() == 2, "the paused follower leaves the ISR");

        await broker.OkAsync(HttpMethod.Post, $"/brokers/{follower}/replication/resume");
        await EventuallyAsync(async () => (await PartitionAsync("ctl-replication", 0)).GetProperty("isr").GetArrayLength() == 3, "it rejoins once caught up");
        await broker.OkAsync(HttpMethod.Post, $"/brokers/{follower}/replication/delay", new { ms = 0 });
    }

    [Fact]
    public async Task A_response_delay_slows_every_answer_until_removed()
    {
        using var admin = Admin();
        admin.GetMetadata(Patience);
        await broker.OkAsync(HttpMethod.Post, "/requests/delay", new { ms = 600 });
        var timer = Stopwatch.StartNew();
        admin.GetMetadata(Patience);
        var slow = timer.ElapsedMilliseconds;
        await broker.OkAsync(HttpMethod.Post, "/requests/delay", new { ms = 0 });

        Assert.True(slow >= 550, $"a metadata request took {slow} ms with a 600 ms response delay");
    }

    [Fact]
    public async Task A_broker_added_over_http_joins_the_metadata_and_leaves_when_removed()
    {
        var added = (await broker.OkAsync(HttpMethod.Post, "/brokers")).GetProperty("id").GetInt32();
        using var admin = Admin();
        await EventuallyAsync(() => Task.FromResult(admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Any(b => b.BrokerId == added)), "clients see the added broker");

        await broker.OkAsync(HttpMethod.Delete, $"/brokers/{added}");

        await EventuallyAsync(() => Task.FromResult(admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.All(b => b.BrokerId != added)), "clients see it gone");
    }

    [Fact]
    public async Task A_sasl_client_on_the_plaintext_listener_is_named_on_stderr()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig
        {
            BootstrapServers = broker.Bootstrap, SecurityProtocol = SecurityProtocol.SaslPlaintext, SaslMechanism = SaslMechanism.Plain,
            SaslUsername = "alice", SaslPassword = "secret", ClientId = "sasl-by-mistake",
        }).Build();
        Assert.ThrowsAny<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(2)));

        await EventuallyAsync(() => Task.FromResult(broker.Stderr.Any(line => line.Contains("(client id sasl-by-mistake)") &&
            line.Contains("attempted a SASL handshake (mechanism PLAIN) on listener PLAINTEXT"))), "the broker names the SASL attempt on stderr");
    }
}
