using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Transactions;

/// <summary>
/// What Kafka's WriteTxnMarkers does, in process: a COMMIT or ABORT control batch in every partition of the
/// transaction, <c>__consumer_offsets</c> partitions of its groups included, where the marker also ends the offsets it
/// staged in the groups of that partition. Markers go to each partition's leader and replicate like data; a partition
/// without a leader gets its marker once it has one.
/// </summary>
internal sealed class TransactionMarkerWriter(ClusterController cluster, GroupCoordinator groups)
{
    /// <summary>Ends <paramref name="transaction"/> everywhere it wrote, at its current producer epoch.</summary>
    public void Write(TransactionMetadata transaction, bool commit, int coordinatorEpoch, long nowMs)
    {
        var marker = new ControlRecord(commit ? ControlRecordType.Commit : ControlRecordType.Abort, coordinatorEpoch);
        foreach (var (topic, index) in transaction.Partitions)
        {
            // A partition deleted during the transaction has nothing left to mark.
            if (!cluster.TryGetTopic(topic, out var state) || state.Partition(index) is not { } partition) continue;
            cluster.WriteMarker(partition, transaction.ProducerId, transaction.ProducerEpoch, marker, nowMs, state.Config.MaxMessageBytes);
            if (topic == CoordinatorPlacement.OffsetsTopic) groups.CompleteTransactionalOffsets(index, cluster.Coordinators.PartitionCount(CoordinatorType.Group, state), transaction.ProducerId, commit);
        }
    }

    /// <summary>Lets the producer write transactional batches to <paramref name="partitions"/> at its current epoch.</summary>
    public void Admit(TransactionMetadata transaction, IEnumerable<TopicPartition> partitions)
    {
        foreach (var (topic, index) in partitions)
            cluster.FindPartition(topic, index)?.AdmitTransactionalProducer(transaction.ProducerId, transaction.ProducerEpoch);
    }
}
