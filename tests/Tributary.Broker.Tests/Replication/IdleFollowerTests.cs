using System.Diagnostics.Metrics;

namespace Tributary.Broker.Tests.Replication;

/// <summary>
/// A follower that has everything its leader has stays in the ISR however long nothing is written: Kafka's leader
/// counts a follower as caught up at every fetch that reaches its log end, and its followers fetch from the moment
/// they follow, so only a follower that really falls behind leaves after replica.lag.time.max.ms.
/// </summary>
public sealed class IdleFollowerTests
{
    private static readonly TimeSpan LagTimeMax = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task The_followers_of_a_partition_never_written_stay_in_the_ISR()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3, ReplicaLagTimeMax = LagTimeMax });
        using var shrinks = new IsrShrinkCounter(cluster.ClusterId);
        // The replica fetchers look at every partition when they start: the topic comes after that, as in a running cluster.
        await Task.Delay(TimeSpan.FromSeconds(1));

        await cluster.CreateTopicAsync("idle", partitions: 4, replicationFactor: 3);
        // Ten times the lag limit: the ISR check runs every half of it.
        await Task.Delay(LagTimeMax * 10);

        // A shrink is undone within milliseconds (the follower then fetches and rejoins), so the ISR's count of shrinks
        // shows it, not a look at the ISR.
        Assert.Equal(0, shrinks.Count);
        for (var partition = 0; partition < 4; partition++)
            Assert.Equal(3, cluster.Controller.FindPartition("idle", partition)!.Leadership.Isr.Count);
    }

    /// <summary>Counts the ISR shrinks (kafka.server.replicamanager.isrshrinks) of one cluster.</summary>
    private sealed class IsrShrinkCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public IsrShrinkCounter(string clusterId)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "kafka.server.replicamanager.isrshrinks") listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "cluster" && Equals(tag.Value, clusterId)) Interlocked.Add(ref _count, value);
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
