using Akka;
using Akka.Streams.Dsl;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>Transactional.Source with Transactional.Sink and Transactional.Flow: output and offsets in one transaction.</summary>
public sealed class TransactionalSinkTests(KafkaFixture cluster, ITestOutputHelper output) : TransactionalTestBase(cluster, output)
{
    [Fact]
    public async Task Source_to_Sink_copies_every_record_once_and_commits_offsets_in_the_transaction()
    {
        var input = await NewTopicAsync(partitions: 2);
        var outputTopic = await NewTopicAsync(partitions: 2);
        var group = NewGroup();
        await ProduceInputAsync(input, partitions: 2, perPartition: 50);

        var control = Transactional.Source(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => ProducerMessage.Single(new ProducerRecord<string, string>(outputTopic, m.Record.Message.Key, m.Record.Message.Value.ToUpperInvariant()), m.PartitionOffset))
            .ToMaterialized(Transactional.Sink(ProducerSettings(), TransactionalSettings(KafkaFixture.UniqueName("txn"))), DrainingControl<Done>.Create)
            .Run(Materializer);

        var copied = await ReadCommittedAsync(outputTopic, 2, 100);
        await control.DrainAndShutdown().WaitAsync(Patience);

        AssertExactlyOnceInOrder(copied, partitions: 2, perPartition: 50);
        var committed = await CommittedAsync(group, input, 2);
        Assert.Equal(new long[] { 50, 50 }, committed);
    }
}
