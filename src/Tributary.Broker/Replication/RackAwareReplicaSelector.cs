using Tributary.Broker.Cluster;

namespace Tributary.Broker.Replication;

/// <summary>
/// Kafka's <c>org.apache.kafka.common.replica.RackAwareReplicaSelector</c> (KIP-392): which replica a leader tells a
/// consumer to read from. A consumer with a rack reads from a replica in its rack: the leader when it is there, else
/// the most caught-up in-sync follower there that holds the fetch offset; a consumer without a rack, or with no such
/// replica in its rack, reads from the leader.
/// </summary>
internal static class RackAwareReplicaSelector
{
    /// <summary>
    /// The broker id of the follower the consumer in <paramref name="clientRack"/> should read
    /// <paramref name="fetchOffset"/> from, or -1 to read from the leader (Kafka never names the leader itself).
    /// </summary>
    public static int PreferredReadReplica(ClusterController cluster, PartitionState partition, string? clientRack, long fetchOffset)
    {
        if (string.IsNullOrEmpty(clientRack)) return -1;
        var leadership = partition.Leadership;
        if (cluster.Broker(leadership.Leader)?.Rack == clientRack) return -1;
        var best = -1;
        long bestEnd = -1;
        foreach (var replica in leadership.Isr)
        {
            if (replica == leadership.Leader || cluster.Broker(replica) is not { IsAlive: true } broker || broker.Rack != clientRack) continue;
            // Kafka leaves out followers that lack the offset: the consumer would only be sent back.
            var log = partition.ReplicaLog(replica);
            var end = log.LogEndOffset;
            if (end < fetchOffset || log.LogStartOffset > fetchOffset || end <= bestEnd) continue;
            best = replica;
            bestEnd = end;
        }
        return best;
    }
}
