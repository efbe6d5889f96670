using Tributary.Testing;

namespace Tributary.Testing.Tests;

/// <summary>The helpers keep their documented failure when the cluster answers too slowly: a TimeoutException.</summary>
public sealed class SlowClusterTests(EmbeddedKafkaFixture kafka) : IClassFixture<EmbeddedKafkaFixture>
{
    [Fact]
    public async Task Waiting_for_zero_lag_on_a_cluster_that_does_not_answer_in_time_throws_TimeoutException()
    {
        var topic = await kafka.CreateTopicAsync();
        kafka.Cluster.Faults.ResponseDelay = TimeSpan.FromSeconds(3);
        try
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => kafka.WaitForZeroLagAsync("nobody", topic, TimeSpan.FromSeconds(1)));

            Assert.Contains("did not answer", error.Message);
        }
        finally
        {
            kafka.Cluster.Faults.ResponseDelay = TimeSpan.Zero;
        }
    }
}
