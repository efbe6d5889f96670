using Confluent.Kafka;
using Xunit.Abstractions;
using static Tributary.Broker.Tests.Transactions.TransactionalClients;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>
/// Many interleaved transactions of two transactional ids with random commits, aborts and crashes (a producer
/// disposed mid-transaction, then a new instance of its id): a read_committed consumer must see exactly the
/// committed records, in produce order per partition.
/// </summary>
public class RandomizedTransactionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Topic = "ledger";
    private const int Partitions = 4;
    private const int Steps = 120;
    private EmbeddedKafkaCluster _cluster = null!;
    private TransactionalClients _clients = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        await _cluster.CreateTopicAsync(Topic, Partitions, replicationFactor: 3);
        _clients = new TransactionalClients(_cluster);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>One transactional id: its current producer instance and the records of its open transaction.</summary>
    private sealed class Writer(string transactionalId)
    {
        public string TransactionalId { get; } = transactionalId;
        public IProducer<string, string>? Producer { get; set; }
        public List<(int Partition, string Value)> Open { get; } = [];
        public int Generation { get; set; }
    }

    [Fact]
    public async Task Read_committed_sees_exactly_the_committed_records_in_order()
    {
        // A failure names its seed; TRIBUTARY_TXN_SEED replays it.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TRIBUTARY_TXN_SEED"), out var replay) ? replay : Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var writers = new[] { new Writer("ledger-a"), new Writer("ledger-b") };
        // Append order is program order: every produce is awaited before the next.
        var appended = new List<(string TransactionalId, int Generation, int Partition, string Value)>();
        var committed = new HashSet<string>();
        var outcomes = new Dictionary<string, int>();

        try
        {
            for (var step = 0; step < Steps; step++)
            {
                var writer = writers[random.Next(writers.Length)];
                writer.Producer ??= _clients.TransactionalProducer(writer.TransactionalId);
                if (writer.Open.Count == 0) writer.Producer.BeginTransaction();
                for (var i = random.Next(1, 6); i > 0; i--)
                {
                    var partition = random.Next(Partitions);
                    var value = $"{writer.TransactionalId}/{writer.Generation}/{step}/{i}";
                    await writer.Producer.ProduceAsync(new TopicPartition(Topic, partition), new Message<string, string> { Key = value, Value = value });
                    writer.Open.Add((partition, value));
                    appended.Add((writer.TransactionalId, writer.Generation, partition, value));
                }
                if (random.Next(3) > 0) continue; // the transaction stays open while the other writer goes on
                var outcome = random.Next(4) switch { 0 => "abort", 1 => "crash", _ => "commit" };
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
                output.WriteLine($"step {step}: {writer.TransactionalId} generation {writer.Generation} {outcome}s {writer.Open.Count} records");
                End(writer, outcome, committed);
            }
            foreach (var writer in writers.Where(w => w.Open.Count > 0)) End(writer, "commit", committed);
            // A crashed instance's transaction stays open (holding back the last stable offset) until a new
            // instance of its id fences it: start one for every writer that crashed last.
            foreach (var writer in writers) writer.Producer ??= _clients.TransactionalProducer(writer.TransactionalId);
        }
        finally
        {
            foreach (var writer in writers) writer.Producer?.Dispose();
        }
        output.WriteLine($"{appended.Count} records, outcomes {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}");

        var seen = _clients.ReadAll(Topic, Partitions, IsolationLevel.ReadCommitted);
        for (var partition = 0; partition < Partitions; partition++)
        {
            var expected = appended.Where(r => r.Partition == partition && committed.Contains(r.Value)).Select(r => r.Value).ToList();
            var actual = seen.Where(r => r.Partition.Value == partition).Select(r => r.Message.Value).ToList();
            Assert.True(expected.SequenceEqual(actual), $"seed {seed}, partition {partition}: expected {expected.Count} committed records, saw {actual.Count}; " +
                $"missing [{string.Join(", ", expected.Except(actual))}], unexpected [{string.Join(", ", actual.Except(expected))}]");
        }
        Assert.Equal(appended.Count, _clients.ReadAll(Topic, Partitions, IsolationLevel.ReadUncommitted).Count);
    }

    private void End(Writer writer, string outcome, HashSet<string> committed)
    {
        switch (outcome)
        {
            case "commit":
                writer.Producer!.CommitTransaction(ClientTimeout);
                committed.UnionWith(writer.Open.Select(r => r.Value));
                break;
            case "abort":
                writer.Producer!.AbortTransaction(ClientTimeout);
                break;
            default:
                // The producer vanishes mid-transaction; the next instance of its id fences it and aborts what it left open.
                writer.Producer!.Dispose();
                writer.Producer = null;
                writer.Generation++;
                break;
        }
        writer.Open.Clear();
    }
}
