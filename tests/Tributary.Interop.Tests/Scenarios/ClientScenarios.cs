using Tributary.Broker;
using Tributary.Interop.Tests.Drivers;

namespace Tributary.Interop.Tests.Scenarios;

/// <summary>
/// The steps every external client must get through against a 3-broker embedded cluster: admin create,
/// produce with keys and headers, consume from the beginning, a group of two members splitting the
/// partitions, commit and resume, replay by a second group, and a broker stopped mid-way.
/// Each test starts its own cluster so a stopped broker never leaks into another test.
/// </summary>
public abstract class ClientScenarios(IClientDriver client) : IAsyncLifetime
{
    private const int Partitions = 4;
    private EmbeddedKafkaCluster _cluster = null!;
    private readonly string _topic = $"interop-{client}-{Guid.NewGuid():N}"[..40];

    private string Bootstrap => _cluster.BootstrapServers;

    public async Task InitializeAsync() =>
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3, AutoCreateTopics = false });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task CreateTopicAsync()
    {
        if (client is KcatDriver) await _cluster.CreateTopicAsync(_topic, Partitions, replicationFactor: 3);
        else await client.CreateTopicAsync(Bootstrap, _topic, Partitions, replicationFactor: 3);
    }

    private static string Group(string purpose) => $"{purpose}-{Guid.NewGuid():N}";

    private static void AssertExactly(IEnumerable<ConsumedRecord> records, int from, int to)
    {
        var values = records.Select(r => r.Value ?? "<null>").Order(StringComparer.Ordinal).ToList();
        var expected = Enumerable.Range(from, to - from).Select(i => $"value-{i}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, values);
    }

    [Fact]
    public async Task Produces_with_keys_and_headers_and_consumes_from_the_beginning()
    {
        await CreateTopicAsync();
        await client.ProduceAsync(Bootstrap, _topic, 0, 100);

        var result = await client.ConsumeAsync(Bootstrap, _topic, Group("readers"), expected: 100, commit: false, TimeSpan.Zero);

        AssertExactly(result.Records, 0, 100);
        Assert.All(result.Records, r =>
        {
            Assert.Equal(r.Value!.Replace("value-", "key-", StringComparison.Ordinal), r.Key);
            Assert.True(r.Headers.ContainsKey("origin"), "the origin header came back");
        });
        Assert.Equal(Partitions, result.Records.Select(r => r.Partition).Distinct().Count());
        foreach (var partition in result.Records.GroupBy(r => r.Partition))
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset));
    }

    [Fact]
    public async Task A_group_resumes_from_its_commits_and_a_second_group_replays_everything()
    {
        await CreateTopicAsync();
        await client.ProduceAsync(Bootstrap, _topic, 0, 60);
        var group = Group("resuming");

        AssertExactly((await client.ConsumeAsync(Bootstrap, _topic, group, 60, commit: true, TimeSpan.Zero)).Records, 0, 60);
        await client.ProduceAsync(Bootstrap, _topic, 60, 20);
        AssertExactly((await client.ConsumeAsync(Bootstrap, _topic, group, 20, commit: true, TimeSpan.Zero)).Records, 60, 80);

        AssertExactly((await client.ConsumeAsync(Bootstrap, _topic, Group("replay"), 80, commit: false, TimeSpan.Zero)).Records, 0, 80);
    }

    private static string Describe(ConsumeResult result) =>
        string.Join(" | ", result.Assignments.Select(a => string.Join(",", a)));

    [Fact]
    public async Task Two_members_of_a_group_split_the_partitions()
    {
        await CreateTopicAsync();
        await client.ProduceAsync(Bootstrap, _topic, 0, 200);
        var group = Group("pair");

        // Both stay long enough in the group to see each other. Assignments change as members come and go,
        // so what must hold is that at some generation the two held disjoint halves covering every partition.
        var first = client.ConsumeAsync(Bootstrap, _topic, group, 0, commit: true, TimeSpan.FromSeconds(12));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var second = client.ConsumeAsync(Bootstrap, _topic, group, 0, commit: true, TimeSpan.FromSeconds(10));
        var results = await Task.WhenAll(first, second);

        var split = results[0].Assignments.Any(a => results[1].Assignments.Any(b =>
            a.Count > 0 && b.Count > 0 && !a.Intersect(b).Any() && a.Concat(b).Order().SequenceEqual(Enumerable.Range(0, Partitions))));
        Assert.True(split, $"no generation split the partitions: first saw [{Describe(results[0])}], second saw [{Describe(results[1])}]");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"value-{i}").Order(StringComparer.Ordinal),
            results.SelectMany(r => r.Records).Select(r => r.Value ?? "<null>").Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Keeps_producing_and_consuming_after_a_broker_stops()
    {
        await CreateTopicAsync();
        await client.ProduceAsync(Bootstrap, _topic, 0, 40);
        var group = Group("survivor");
        AssertExactly((await client.ConsumeAsync(Bootstrap, _topic, group, 40, commit: true, TimeSpan.Zero)).Records, 0, 40);

        await _cluster.StopBrokerAsync(_cluster.Brokers[0].Id);

        // The clients are bootstrapped with the live brokers, as a user would after a broker went away: kcat -G
        // terminates on librdkafka's "all brokers down", which it reports when the refused connection to the stopped
        // broker comes before the threads of the other bootstrap brokers have started (seen on a loaded machine).
        var live = string.Join(',', _cluster.Brokers.Where(b => b.IsAlive).Select(b => b.Address));
        await client.ProduceAsync(live, _topic, 40, 40);
        AssertExactly((await client.ConsumeAsync(live, _topic, group, 40, commit: true, TimeSpan.Zero)).Records, 40, 80);
    }
}

/// <summary>kafka-python 2.0.2 (Debian python3-kafka).</summary>
public sealed class KafkaPythonScenarios() : ClientScenarios(ScriptDriver.KafkaPython);

/// <summary>kafkajs 2.2.4 (npm).</summary>
public sealed class KafkaJsScenarios() : ClientScenarios(ScriptDriver.KafkaJs);

/// <summary>kcat 1.7.1 on librdkafka 2.0.2 (Debian).</summary>
public sealed class KcatScenarios() : ClientScenarios(KcatDriver.Instance);
