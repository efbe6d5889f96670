using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>
/// External offsets: a manual assignment, nothing committed to the group; each output record goes out together with a record of the next input offset
/// in an offsets topic, in the same transaction. A restarted pipeline reads the offsets topic (read_committed) and
/// starts there, so killing it at random points loses and duplicates nothing.
/// </summary>
public sealed class ExternalOffsetTests(KafkaFixture cluster, ITestOutputHelper output) : TransactionalTestBase(cluster, output)
{
    private const int Partitions = 2;
    private const int PerPartition = 2000;

    [Fact]
    public async Task Offsets_written_with_the_output_in_one_transaction_survive_kills_without_loss_or_duplicates()
    {
        var input = await NewTopicAsync(Partitions);
        var outputTopic = await NewTopicAsync(Partitions);
        var offsetsTopic = await NewTopicAsync(1);
        await ProduceInputAsync(input, Partitions, PerPartition);
        var random = new Random(Environment.TickCount);
        var transactionalId = KafkaFixture.UniqueName("external");

        for (var run = 0; run < 3; run++)
        {
            var (killSwitch, completion) = await StartAsync(input, outputTopic, offsetsTopic, transactionalId);
            await Task.Delay(random.Next(300, 900));
            killSwitch.Abort(new Exception("killed by the test"));
            await Task.WhenAny(completion, Task.Delay(Patience));
        }
        var (_, last) = await StartAsync(input, outputTopic, offsetsTopic, transactionalId);

        var copied = await ReadCommittedAsync(outputTopic, Partitions, Partitions * PerPartition, settle: TimeSpan.FromSeconds(1));
        Assert.False(last.IsCompleted, "The last run should still be running.");
        AssertExactlyOnceInOrder(copied, Partitions, PerPartition);
    }

    private async Task<(UniqueKillSwitch, Task<Done>)> StartAsync(string input, string outputTopic, string offsetsTopic, string transactionalId)
    {
        var stored = await StoredOffsetsAsync(offsetsTopic);
        var start = Enumerable.Range(0, Partitions)
            .Select(p => new TopicPartitionOffset(input, p, stored.TryGetValue(p, out var next) ? new Offset(next) : Offset.Beginning))
            .ToArray();
        return Transactional.Source(ConsumerSettings(NewGroup()), Subscriptions.AssignmentWithOffset(start))
            .ViaMaterialized(KillSwitches.Single<TransactionalMessage<string, string>>(), Keep.Right)
            .Throttle(50, TimeSpan.FromMilliseconds(50), 50, ThrottleMode.Shaping)
            .Select(m => ProducerMessage.Multi(
                [
                    new ProducerRecord<string, string>(outputTopic, m.Record.Message.Key, m.Record.Message.Value.ToUpperInvariant()),
                    new ProducerRecord<string, string>(new TopicPartition(offsetsTopic, 0), new Message<string, string>
                    {
                        Key = m.Record.Partition.Value.ToString(),
                        Value = (m.Record.Offset.Value + 1).ToString(),
                    }),
                ],
                m.PartitionOffset))
            .ToMaterialized(Transactional.Sink(ProducerSettings(), TransactionalSettings(transactionalId)), Keep.Both)
            .Run(Materializer);
    }

    /// <summary>The last committed next-offset per input partition, read from the offsets topic with read_committed.</summary>
    private async Task<Dictionary<int, long>> StoredOffsetsAsync(string offsetsTopic)
    {
        var records = await ReadCommittedUntilEndAsync(offsetsTopic);
        return records.GroupBy(r => int.Parse(r.Message.Key)).ToDictionary(g => g.Key, g => long.Parse(g.Last().Message.Value));
    }

    private async Task<List<ConsumeResult<string, string>>> ReadCommittedUntilEndAsync(string topic)
    {
        var config = new ConsumerConfig(ConsumerProperties("reader-" + Guid.NewGuid())) { EnableAutoCommit = false, IsolationLevel = IsolationLevel.ReadCommitted, EnablePartitionEof = true };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var records = new List<ConsumeResult<string, string>>();
        await Task.Run(() =>
        {
            var deadline = DateTime.UtcNow + Patience;
            while (DateTime.UtcNow < deadline)
            {
                var result = consumer.Consume(100);
                if (result is { IsPartitionEOF: true })
                    return;
                if (result is not null)
                    records.Add(result);
            }
            throw new TimeoutException($"No end of {topic} within {Patience}.");
        });
        return records;
    }
}
