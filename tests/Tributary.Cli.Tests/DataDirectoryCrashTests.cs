using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Cli.Tests;

/// <summary>
/// <c>tributary broker --data-dir</c> killed (SIGKILL) while an idempotent Confluent.Kafka producer writes with acks=all,
/// then started again on the same directory and port: every acknowledged record is there exactly once and the producer
/// goes on without duplicates, also when the kill left a torn write at the end of the last segment; committed group
/// offsets are there (they live in <c>__consumer_offsets</c>, a log like any other) and a transaction left open is aborted
/// when its transactional id comes back (its state lives in <c>__transaction_state</c>).
/// </summary>
public sealed class DataDirectoryCrashTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const string Topic = "durable";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tributary-crash-" + Guid.NewGuid().ToString("N"));
    private readonly int _port = FreePort();

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<(Process Broker, string Bootstrap, Task<string> Log)> StartBrokerAsync()
    {
        var broker = CliRunner.Start(null, "broker", "--port", _port.ToString(), "--data-dir", _directory);
        var log = broker.StandardError.ReadToEndAsync(); // reading keeps a full pipe from blocking the broker
        var bootstrap = await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience);
        Assert.Equal($"127.0.0.1:{_port}", bootstrap);
        return (broker, bootstrap!, log);
    }

    private static async Task KillAsync(Process broker)
    {
        broker.Kill(); // SIGKILL: no shutdown code runs, the files are as the last write left them
        using var timeout = new CancellationTokenSource(Patience);
        await broker.WaitForExitAsync(timeout.Token);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_killed_broker_restarted_on_its_directory_has_every_acknowledged_record_once_and_the_producer_goes_on(bool tornTail)
    {
        var (broker, bootstrap, _) = await StartBrokerAsync();
        try
        {
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
                await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = 2, ReplicationFactor = 1, Configs = new() { ["segment.bytes"] = "20000" } }]);

            var acknowledged = new ConcurrentDictionary<string, Offset>();
            var failed = new ConcurrentBag<string>();
            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
            {
                BootstrapServers = bootstrap, EnableIdempotence = true, Acks = Acks.All, LingerMs = 2, MessageTimeoutMs = 120_000,
                ReconnectBackoffMs = 50, ReconnectBackoffMaxMs = 500, MessageSendMaxRetries = int.MaxValue,
            }).Build();
            void Produce(int i) => producer.Produce(Topic, new Message<Null, string> { Value = $"record-{i:D5}" }, report =>
            {
                if (report.Error.IsError) failed.Add($"{report.Message.Value}: {report.Error}");
                else acknowledged[report.Message.Value] = report.Offset;
            });

            // Produce continuously; kill the broker once a few hundred records are acknowledged, records still in flight.
            var i = 0;
            while (acknowledged.Count < 400)
            {
                Produce(i++);
                if (i % 50 == 0) await Task.Delay(5);
            }
            for (var more = 0; more < 200; more++) Produce(i++);
            await KillAsync(broker);
            var acknowledgedBeforeKill = acknowledged.Keys.ToList();
            string? torn = null;
            if (tornTail)
            {
                // A write the kill interrupted: the first bytes of a batch header at the end of the last segment of a
                // partition that holds records (the producer's sticky partitioner can leave one of the two without any, and
                // then its only segment is the empty one made with the log), else of partition 0's empty segment.
                torn = Enumerable.Range(0, 2)
                    .Select(partition => Directory.GetFiles(Path.Combine(_directory, "broker-1", $"{Topic}-{partition}"), "*.log").Order().Last())
                    .OrderByDescending(segment => new FileInfo(segment).Length > 0)
                    .First();
                await using var stream = new FileStream(torn, FileMode.Append);
                stream.Write([0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 2]);
            }

            (broker, bootstrap, var log) = await StartBrokerAsync();
            for (var more = 0; more < 300; more++) Produce(i++);
            producer.Flush(Patience);
            var stored = ReadAll(bootstrap, expected: i);
            await KillAsync(broker);
            var logged = await log;
            Assert.Contains("Broker 1 did not shut down cleanly: recovering its logs", logged);
            if (torn is not null) Assert.Matches($@"Log recovery: {Regex.Escape(torn)} is damaged at position \d+, after offset \d+ \(the file ends inside a batch header\); truncated there, 17 bytes removed", logged);

            Assert.Empty(failed);
            Assert.Equal(i, acknowledged.Count);
            var duplicates = stored.GroupBy(r => r.Message.Value).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.Empty(duplicates);
            Assert.Equal(acknowledged.Keys.Order(), stored.Select(r => r.Message.Value).Order());
            Assert.All(acknowledgedBeforeKill, value => Assert.Contains(value, stored.Select(r => r.Message.Value)));
            // Each acknowledged offset holds the record it was acknowledged for.
            var byPartitionOffset = stored.ToDictionary(r => (r.Partition.Value, r.Offset.Value), r => r.Message.Value);
            Assert.All(stored, r => Assert.Equal(r.Offset, acknowledged[r.Message.Value]));
            Assert.Equal(stored.Count, byPartitionOffset.Count);
        }
        finally
        {
            if (!broker.HasExited) await KillAsync(broker);
            broker.Dispose();
        }
    }

    [Fact]
    public async Task A_killed_broker_restarted_on_its_directory_has_the_committed_offsets_and_aborts_the_open_transaction()
    {
        var (broker, bootstrap, _) = await StartBrokerAsync();
        try
        {
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
                await admin.CreateTopicsAsync([new TopicSpecification { Name = Topic, NumPartitions = 2, ReplicationFactor = 1 }]);
            using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true }).Build())
            {
                for (var i = 0; i < 20; i++) await producer.ProduceAsync(new TopicPartition(Topic, i % 2), new Message<Null, string> { Value = $"plain-{i}" });
            }
            var committed = new List<TopicPartitionOffset> { new(Topic, 0, 7), new(Topic, 1, 4) };
            using (var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "committers", EnableAutoCommit = false }).Build())
            {
                consumer.Assign(committed.Select(c => new TopicPartitionOffset(c.TopicPartition, Offset.Beginning)));
                consumer.Commit(committed);
            }
            // A transaction with records written and no commit when the broker is killed.
            var transactional = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, TransactionalId = "crash-txn" }).Build();
            transactional.InitTransactions(Patience);
            transactional.BeginTransaction();
            for (var i = 0; i < 4; i++) await transactional.ProduceAsync(new TopicPartition(Topic, i % 2), new Message<Null, string> { Value = $"open-{i}" });
            await KillAsync(broker);
            transactional.Dispose();

            (broker, bootstrap, _) = await StartBrokerAsync();

            using (var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "committers", EnableAutoCommit = false }).Build())
                Assert.Equal(committed.Select(c => c.Offset.Value), consumer.Committed(committed.Select(c => c.TopicPartition), Patience).Select(c => c.Offset.Value));
            // The next producer with the transactional id fences the old one and its open transaction is aborted.
            using (var next = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, TransactionalId = "crash-txn" }).Build())
            {
                next.InitTransactions(Patience);
                next.BeginTransaction();
                await next.ProduceAsync(new TopicPartition(Topic, 0), new Message<Null, string> { Value = "after-restart" });
                next.CommitTransaction(Patience);
            }
            var values = ReadAll(bootstrap, expected: 21, IsolationLevel.ReadCommitted).Select(r => r.Message.Value).ToList();
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"plain-{i}").Append("after-restart").Order(), values.Order());
        }
        finally
        {
            if (!broker.HasExited) await KillAsync(broker);
            broker.Dispose();
        }
    }

    private static List<ConsumeResult<Null, string>> ReadAll(string bootstrap, int expected, IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = "checker", EnableAutoCommit = false, IsolationLevel = isolation,
        }).Build();
        consumer.Assign([new TopicPartitionOffset(Topic, 0, Offset.Beginning), new TopicPartitionOffset(Topic, 1, Offset.Beginning)]);
        var records = new List<ConsumeResult<Null, string>>();
        var deadline = DateTime.UtcNow + Patience;
        while (records.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result) records.Add(result);
        }
        // Then a moment more, so a duplicate past the expected count would show.
        var drain = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
        while (DateTime.UtcNow < drain)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } result) records.Add(result);
        }
        return records;
    }
}
