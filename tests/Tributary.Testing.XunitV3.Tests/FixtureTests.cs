using Tributary.Testing;
using Xunit;

namespace Tributary.Testing.XunitV3.Tests;

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<EmbeddedKafkaFixture>
{
    public const string Name = "kafka";
}

/// <summary>xunit v3 starts and stops the testkit's cluster as v2 does, and the helpers work the same.</summary>
[Collection(KafkaCollection.Name)]
public sealed class FixtureTests(EmbeddedKafkaFixture kafka)
{
    [Fact]
    public async Task Xunit_v3_runs_the_cluster_and_the_helpers_read_what_was_written()
    {
        var cancellation = TestContext.Current.CancellationToken; // xunit v3 cancels it when the test run is stopped
        var topic = await kafka.CreateTopicAsync(partitions: 3, cancellationToken: cancellation);
        await kafka.ProduceAsync(topic, 10, cancellationToken: cancellation);

        var records = await kafka.ConsumeAsync(topic, 10, cancellationToken: cancellation);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"value-{i}").Order(), records.Select(r => r.Message.Value).Order());
    }
}
