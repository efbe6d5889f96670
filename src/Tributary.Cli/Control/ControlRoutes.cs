using System.Text.Json;
using System.Text.RegularExpressions;
using Tributary.Broker;
using Tributary.Broker.Cluster;
using Tributary.Broker.Faults;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Cli.Control;

/// <summary>
/// Every endpoint of the control port, each one line over the cluster's own controls (EmbeddedKafkaCluster, its
/// <c>Network</c> and <c>Requests</c>), so the HTTP API and the C# API cannot drift apart. docs/cli.md documents each
/// with a curl example.
/// </summary>
internal static partial class ControlRoutes
{
    public static IReadOnlyList<ControlRoute> For(EmbeddedKafkaCluster cluster)
    {
        List<ControlRoute> routes = [];
        void Add(string method, string template, string description, Func<ControlCall, Task<object?>> handle) => routes.Add(new(method, template, description, handle));
        void Do(string method, string template, string description, Func<ControlCall, Task> action) =>
            Add(method, template, description, async call =>
            {
                await action(call);
                return null;
            });
        int Broker(ControlCall call)
        {
            var id = call.PathInt("id");
            return cluster.Brokers.Any(b => b.Id == id) ? id : throw ControlException.NotFound($"no broker {id}");
        }

        Add("GET", "/", "this list", _ => Done(routes.Select(r => new { method = r.Method, path = r.Template, r.Description })));
        Add("GET", "/cluster", "cluster id, bootstrap servers and brokers", _ => Done(new
        {
            clusterId = cluster.ClusterId, bootstrapServers = cluster.BootstrapServers, brokers = cluster.Brokers.Select(b => Describe(cluster, b)),
        }));

        Add("GET", "/brokers", "every broker with its network state", _ => Done(cluster.Brokers.Select(b => Describe(cluster, b))));
        Add("POST", "/brokers", "add a broker; answers its id", async _ => new { id = await cluster.AddBrokerAsync() });
        Add("GET", "/brokers/{id}", "one broker", call => Done(Describe(cluster, cluster.Brokers.First(b => b.Id == Broker(call)))));
        Do("DELETE", "/brokers/{id}", "remove a broker for good", call => cluster.RemoveBrokerAsync(Broker(call)));
        Do("POST", "/brokers/{id}/stop", "controlled shutdown", call => cluster.StopBrokerAsync(Broker(call)));
        Do("POST", "/brokers/{id}/crash", "kill -9", call => cluster.CrashBrokerAsync(Broker(call)));
        Do("POST", "/brokers/{id}/start", "start a stopped or crashed broker", call => cluster.StartBrokerAsync(Broker(call)));
        Do("POST", "/brokers/{id}/latency", "{\"ms\": N}: delay every response (0 removes it)", call => Run(() => cluster.Network.SetLatency(Broker(call), call.Milliseconds())));
        Do("POST", "/brokers/{id}/bandwidth", "{\"bytesPerSecond\": N}: cap what each connection receives (0 removes it)",
            call => Run(() => cluster.Network.SetBandwidthLimit(Broker(call), call.Long("bytesPerSecond"))));
        Do("POST", "/brokers/{id}/drop", "reset every client connection now", call => Run(() => cluster.Network.DropConnections(Broker(call))));
        Do("POST", "/brokers/{id}/isolate", "unreachable: connections refused and reset, replication stops", call => Run(() => cluster.Network.Isolate(Broker(call))));
        Do("POST", "/brokers/{id}/black-hole", "accept connections and requests, never answer", call => Run(() => cluster.Network.BlackHole(Broker(call))));
        Do("POST", "/brokers/{id}/heal", "undo isolate, black hole, latency and bandwidth cap", call => Run(() => cluster.Network.Heal(Broker(call))));
        Do("POST", "/brokers/{id}/replication/pause", "the broker's replicas stop copying", call => Run(() => cluster.PauseReplication(Broker(call))));
        Do("POST", "/brokers/{id}/replication/resume", "the broker's replicas catch up again", call => Run(() => cluster.ResumeReplication(Broker(call))));
        Do("POST", "/brokers/{id}/replication/delay", "{\"ms\": N}: replication latency of the broker's replicas",
            call => Run(() => cluster.SetReplicationDelay(Broker(call), call.Milliseconds())));
        Do("POST", "/heal", "heal every broker", _ => Run(cluster.Network.HealAll));

        Add("GET", "/topics", "every topic with partitions, leaders, replicas, ISR and offsets", _ => Done(cluster.DescribeTopics().Select(Describe)));
        Add("POST", "/topics", "{\"name\", \"partitions\", \"replicationFactor\", \"configs\"}: create a topic", async call =>
        {
            var name = call.String("name");
            await cluster.CreateTopicAsync(name, (int)(call.OptionalLong("partitions") ?? 1), (short)(call.OptionalLong("replicationFactor") ?? 1), call.StringMap("configs"));
            return Describe(Topic(cluster, name));
        });
        Add("GET", "/topics/{topic}", "one topic", call => Done(Describe(Topic(cluster, call.Path("topic")))));
        Do("DELETE", "/topics/{topic}", "delete a topic", call => cluster.DeleteTopicAsync(Topic(cluster, call.Path("topic")).Name));
        Add("POST", "/topics/{topic}/partitions/{partition}/leader", "{\"broker\": N}: move the leadership", async call =>
        {
            var (topic, partition) = (call.Path("topic"), call.PathInt("partition"));
            await cluster.MoveLeaderAsync(topic, partition, call.Int("broker"));
            return new { leader = cluster.GetLeader(topic, partition) };
        });

        Add("GET", "/groups/{group}/coordinator", "the group's coordinator", call => Done(new { coordinator = cluster.GetGroupCoordinator(call.Path("group")) }));
        Add("POST", "/groups/{group}/coordinator", "{\"broker\": N}: move the group's coordinator", async call =>
        {
            await cluster.MoveGroupCoordinatorAsync(call.Path("group"), call.Int("broker"));
            return new { coordinator = cluster.GetGroupCoordinator(call.Path("group")) };
        });
        Add("GET", "/transactions/{id}/coordinator", "the transactional id's coordinator",
            call => Done(new { coordinator = cluster.GetTransactionCoordinator(call.Path("id")) }));
        Add("POST", "/transactions/{id}/coordinator", "{\"broker\": N}: move the transactional id's coordinator", async call =>
        {
            await cluster.MoveTransactionCoordinatorAsync(call.Path("id"), call.Int("broker"));
            return new { coordinator = cluster.GetTransactionCoordinator(call.Path("id")) };
        });

        Add("GET", "/rules", "every request rule", _ => Done(cluster.Requests.Rules.Select(Describe)));
        Add("POST", "/rules", "{\"match\": {...}, \"action\", \"error\", \"delayMs\", \"nth\", \"times\"}: add a request rule",
            call => Done(Describe(cluster.Requests.AddRule(Match(call), Action(call), (int)(call.OptionalLong("nth") ?? 1), Times(call)))));
        Add("GET", "/rules/{rule}", "one rule", call => Done(Describe(Rule(cluster, call))));
        Do("POST", "/rules/{rule}/release", "let the requests a hold rule holds go on", call => Run(Rule(cluster, call).Release));
        Do("DELETE", "/rules/{rule}", "remove a rule (held requests go on)", call => Run(() => cluster.Requests.RemoveRule(Rule(cluster, call).Id)));
        Do("DELETE", "/rules", "remove every rule", _ => Run(cluster.Requests.ClearRules));

        Do("POST", "/requests/recording", "{\"capacity\": N}: start recording requests (default 10000)",
            call => Run(() => cluster.Requests.StartRecording((int)(call.OptionalLong("capacity") ?? 10_000))));
        Do("DELETE", "/requests/recording", "stop recording (the log stays readable)", _ => Run(cluster.Requests.StopRecording));
        Add("GET", "/requests", "the request log; ?api=Produce&broker=1&clientId=x&topic=t&limit=N filter it", call => Done(Recorded(cluster, call)));
        Do("DELETE", "/requests", "forget what was recorded", _ => Run(cluster.Requests.ClearRecorded));
        Do("POST", "/requests/delay", "{\"ms\": N}: every broker answers every request N ms late (0 removes it)",
            call => Run(() => cluster.Faults.ResponseDelay = call.Milliseconds()));
        return routes;
    }

    private static Task<object?> Done(object? result) => Task.FromResult(result);

    private static Task Run(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    private static object Describe(EmbeddedKafkaCluster cluster, BrokerNode broker)
    {
        var network = cluster.Network.GetState(broker.Id);
        return new
        {
            id = broker.Id, host = broker.Host, port = broker.Port, rack = broker.Rack, alive = broker.IsAlive,
            latencyMs = (long)network.Latency.TotalMilliseconds, network.BytesPerSecond, network.Isolated, network.BlackHoled, network.Connections,
        };
    }

    private static TopicDescription Topic(EmbeddedKafkaCluster cluster, string name) =>
        cluster.DescribeTopics().FirstOrDefault(t => t.Name == name) ?? throw ControlException.NotFound($"no topic '{name}'");

    private static object Describe(TopicDescription topic) => new
    {
        name = topic.Name, id = topic.Id, configs = topic.Configs,
        partitions = topic.Partitions.Select(p => new
        {
            partition = p.Partition, leader = p.Leader, leaderEpoch = p.LeaderEpoch, replicas = p.Replicas, isr = p.Isr,
            logStartOffset = p.LogStartOffset, highWatermark = p.HighWatermark,
        }),
    };

    private static RequestRule Rule(EmbeddedKafkaCluster cluster, ControlCall call)
    {
        var id = call.PathInt("rule");
        return cluster.Requests.Rules.FirstOrDefault(r => r.Id == id) ?? throw ControlException.NotFound($"no rule {id}");
    }

    private static object Describe(RequestRule rule) => new
    {
        id = rule.Id,
        match = new
        {
            api = rule.Match.ApiKey?.ToString(), clientId = rule.Match.ClientId, topic = rule.Match.Topic, broker = rule.Match.BrokerId,
        },
        action = ActionName(rule.Action.Kind),
        error = rule.Action.Kind == RequestRuleActionKind.Error ? KafkaName(rule.Action.Error) : null,
        delayMs = rule.Action.Kind == RequestRuleActionKind.Delay ? (long?)rule.Action.Delay.TotalMilliseconds : null,
        nth = rule.Nth, times = rule.Times, matched = rule.Matched, applied = rule.Applied, held = rule.Held,
    };

    private static RequestMatch Match(ControlCall call)
    {
        if (call.Field("match") is not { } match) return new RequestMatch();
        if (match.ValueKind != JsonValueKind.Object) throw ControlException.BadRequest("\"match\" must be an object");
        var fields = new ControlCall(new Dictionary<string, string>(), new(), match);
        var unknown = match.EnumerateObject().Select(p => p.Name).Except(["api", "clientId", "topic", "broker"]).FirstOrDefault();
        if (unknown is not null) throw ControlException.BadRequest($"\"match\" knows api, clientId, topic and broker, not \"{unknown}\"");
        return new RequestMatch
        {
            ApiKey = fields.OptionalString("api") is { } api ? ParseApi(api) : null,
            ClientId = fields.OptionalString("clientId"),
            Topic = fields.OptionalString("topic"),
            BrokerId = fields.OptionalLong("broker") is { } broker ? checked((int)broker) : null,
        };
    }

    private static RequestRuleAction Action(ControlCall call) => call.String("action") switch
    {
        "error" => RequestRuleAction.Fail(ParseError(call.String("error"))),
        "delay" => RequestRuleAction.DelayBy(call.Milliseconds("delayMs")),
        "drop" => RequestRuleAction.Drop,
        "hold" => RequestRuleAction.Hold,
        var other => throw ControlException.BadRequest($"\"action\" is error, delay, drop or hold, not \"{other}\""),
    };

    // "times": N acts N times (default 1); null acts until the rule is removed.
    private static int? Times(ControlCall call) => call.IsNull("times") ? null : checked((int)(call.OptionalLong("times") ?? 1));

    private static string ActionName(RequestRuleActionKind kind) => kind switch
    {
        RequestRuleActionKind.Error => "error",
        RequestRuleActionKind.Delay => "delay",
        RequestRuleActionKind.DropConnection => "drop",
        _ => "hold",
    };

    private static IEnumerable<object> Recorded(EmbeddedKafkaCluster cluster, ControlCall call)
    {
        var api = call.Query("api") is { } name ? ParseApi(name) : (ApiKey?)null;
        var (broker, clientId, topic) = (call.QueryInt("broker"), call.Query("clientId"), call.Query("topic"));
        var entries = cluster.Requests.GetRecorded()
            .Where(r => (api is null || r.ApiKey == api) && (broker is null || r.BrokerId == broker) && (clientId is null || r.ClientId == clientId))
            .Select(r => (Entry: r, Request: Serialize(r.Request), Response: r.Response is null ? null : Serialize(r.Response)))
            .Where(r => topic is null || r.Request.Contains($"\"{topic}\"", StringComparison.Ordinal))
            .ToList();
        var limit = call.QueryInt("limit") ?? entries.Count;
        return entries.TakeLast(Math.Max(0, limit)).Select(r => new
        {
            broker = r.Entry.BrokerId, connection = r.Entry.ConnectionId, clientId = r.Entry.ClientId, api = r.Entry.ApiKey.ToString(),
            version = r.Entry.ApiVersion, correlationId = r.Entry.CorrelationId, receivedAt = r.Entry.ReceivedAt,
            elapsedMs = r.Entry.Elapsed.TotalMilliseconds, ruleId = r.Entry.RuleId,
            request = JsonDocument.Parse(r.Request).RootElement, response = r.Response is null ? (JsonElement?)null : JsonDocument.Parse(r.Response).RootElement,
        });
    }

    // The decoded message as JSON: its public fields, byte arrays (record batches) in base64.
    private static string Serialize(object message)
    {
        try
        {
            return JsonSerializer.Serialize(message, message.GetType(), MessageJson);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            return JsonSerializer.Serialize(new { type = message.GetType().Name, unserializable = e.Message });
        }
    }

    private static readonly JsonSerializerOptions MessageJson = new(ControlServer.Json)
    {
        MaxDepth = 16, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>An API by its Kafka name in any case, with or without underscores (Produce, FIND_COORDINATOR), or its key.</summary>
    public static ApiKey ParseApi(string name) =>
        Enum.TryParse<ApiKey>(name.Replace("_", ""), ignoreCase: true, out var key) && Enum.IsDefined(key) ? key
        : throw ControlException.BadRequest($"unknown Kafka API '{name}'");

    /// <summary>An error by its Kafka name (NOT_LEADER_OR_FOLLOWER), in any case, or its code.</summary>
    public static ErrorCode ParseError(string name) =>
        Enum.TryParse<ErrorCode>(name.Replace("_", ""), ignoreCase: true, out var error) && Enum.IsDefined(error) ? error
        : throw ControlException.BadRequest($"unknown Kafka error '{name}'");

    /// <summary>Kafka's name of an error: NotLeaderOrFollower is NOT_LEADER_OR_FOLLOWER.</summary>
    public static string KafkaName(ErrorCode error) => WordStart().Replace(error.ToString(), "_$1").ToUpperInvariant();

    [GeneratedRegex("(?<=[a-z0-9])([A-Z])")]
    private static partial Regex WordStart();
}
