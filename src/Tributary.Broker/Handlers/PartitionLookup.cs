using Tributary.Broker.Cluster;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>The checks every partition-level request makes before touching a log: exists, led here, same epoch.</summary>
internal static class PartitionLookup
{
    /// <summary>
    /// The partition when this broker leads it (or, with <paramref name="orFollower"/>, holds a follower replica of it);
    /// otherwise UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER. <paramref name="partition"/> is set whenever the
    /// partition exists. A client that names a leader epoch (-1 = none) older than the current one is fenced; a newer one is unknown.
    /// </summary>
    public static ErrorCode FindLed(RequestContext context, TopicState? topic, int index, int currentLeaderEpoch, out PartitionState? partition, bool orFollower = false)
    {
        partition = topic?.Partition(index);
        if (partition is null) return ErrorCode.UnknownTopicOrPartition;
        var leadership = partition.Leadership;
        var here = leadership.Leader == context.Broker.Id || (orFollower && leadership.Replicas.Contains(context.Broker.Id));
        if (!here) return ErrorCode.NotLeaderOrFollower;
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < leadership.LeaderEpoch) return ErrorCode.FencedLeaderEpoch;
        if (currentLeaderEpoch > leadership.LeaderEpoch) return ErrorCode.UnknownLeaderEpoch;
        return ErrorCode.None;
    }

    /// <summary>The topic named <paramref name="name"/>, or null.</summary>
    public static TopicState? Topic(RequestContext context, string name) =>
        context.Cluster.TryGetTopic(name, out var topic) ? topic : null;

    /// <summary>Milliseconds since the epoch on the cluster's clock.</summary>
    public static long NowMs(this RequestContext context) => context.Time.GetUtcNow().ToUnixTimeMilliseconds();
}
