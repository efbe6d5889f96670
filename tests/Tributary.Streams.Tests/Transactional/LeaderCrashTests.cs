using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>
/// Exactly-once through a leader crash: the broker leading the output partitions is killed in the middle of the
/// pipeline's transactions (no hand-over) and started again. Acknowledged writes were replicated, the new leaders
/// know the producer's sequences and open transaction from the log they copied, and the markers go to them, so a
/// read_committed consumer still sees every input transformed exactly once, in order.
/// </summary>
public sealed class LeaderCrashTests(KafkaFixture cluster, ITestOutputHelper output) : TransactionalTestBase(cluster, output)
{
    private const int Partitions = 3;
    private const int PerPartition = 2000;

    [Fact]
    public async Task A_pipeline_transforms_every_input_exactly_once_through_a_crash_of_the_output_partitions_leader()
    {
        var input = await NewTopicAsync(Partitions);
        var outputTopic = await NewTopicAsync(Partitions);
        await ProduceInputAsync(input, Partitions, PerPartition);
        var leader = LeaderOf(outputTopic);
        // librdkafka 2.16 waits for good in send_offsets_to_transaction when the group coordinator it cached leaves the
        // metadata, as a crashed broker does (librdkafka#5511, open; the stage then fails after its timeouts, see
        // StuckClientTests). The group is coordinated by another broker so that this test is about the output leader.
        var group = NewGroup();
        await Cluster.Cluster.MoveGroupCoordinatorAsync(group, leader % 3 + 1);
        var pipeline = PipelineInstance.Start(Materializer, ConsumerSettings(group), ProducerSettings(),
            TransactionalSettings(KafkaFixture.UniqueName("crash")), input, outputTopic, perSecond: 3000);

        await Task.Delay(800);
        Output.WriteLine($"Crashing broker {leader}, leader of {outputTopic}-0");
        await Cluster.Cluster.CrashBrokerAsync(leader);
        try
        {
            await Task.Delay(1000);
        }
        finally
        {
            await Cluster.Cluster.StartBrokerAsync(leader);
        }

        var copied = await ReadCommittedAsync(outputTopic, Partitions, Partitions * PerPartition, settle: TimeSpan.FromSeconds(1));
        await pipeline.Control.DrainAndShutdown().WaitAsync(Patience);
        AssertExactlyOnceInOrder(copied, Partitions, PerPartition);
    }

    private int LeaderOf(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Cluster.BootstrapServers }).Build();
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions.Single(p => p.PartitionId == 0).Leader;
    }
}
