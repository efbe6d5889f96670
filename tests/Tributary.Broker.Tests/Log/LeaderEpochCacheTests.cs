using Tributary.Broker.Log;

namespace Tributary.Broker.Tests.Log;

public class LeaderEpochCacheTests
{
    [Fact]
    public void Answers_where_each_epoch_ended()
    {
        var cache = new LeaderEpochCache();
        cache.Assign(0, 0);
        cache.Assign(0, 5);   // same epoch: no new entry
        cache.Assign(2, 10);
        cache.Assign(5, 30);

        Assert.Equal((5, 42L), cache.EndOffsetFor(5, logEndOffset: 42));
        Assert.Equal((2, 30L), cache.EndOffsetFor(2, 42));
        Assert.Equal((0, 10L), cache.EndOffsetFor(0, 42));
        // An epoch never written answers with the largest epoch below it and where the next one began.
        Assert.Equal((2, 30L), cache.EndOffsetFor(3, 42));
    }

    [Fact]
    public void Edge_cases_answer_as_Kafka_does()
    {
        var cache = new LeaderEpochCache();
        Assert.Equal((-1, -1L), cache.EndOffsetFor(0, 0));
        cache.Assign(3, 7);
        Assert.Equal((-1, -1L), cache.EndOffsetFor(-1, 9));
        Assert.Equal((-1, -1L), cache.EndOffsetFor(4, 9));
        Assert.Equal((1, 7L), cache.EndOffsetFor(1, 9));
    }
}
