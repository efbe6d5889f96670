using Tributary.Broker.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Messages.Internal;

namespace Tributary.Broker.Transactions;

/// <summary>
/// The transaction coordinator's records in <c>__transaction_state</c>, in Kafka's format: per transactional id a
/// TransactionLogKey (v0) and a TransactionLogValue (v0, the non-flexible version Kafka writes for the classic
/// protocol) on every state change, and a tombstone when the id expires. Each goes to the id's partition through the
/// normal replicated append; a broker that becomes leader of a partition rebuilds its transactional ids by
/// replaying it (<see cref="Replay"/>).
/// </summary>
internal sealed class TransactionLog(CoordinatorPlacement placement, TimeProvider time)
{
    /// <summary>
    /// Appends the state of <paramref name="transaction"/> (a tombstone when <paramref name="tombstone"/>) to its
    /// partition, with acks=all and the partition's min.insync.replicas; NOT_COORDINATOR when this coordinator has not
    /// loaded the partition at its current leader epoch. Wait with <see cref="WaitReplicatedAsync"/> before relying on it.
    /// </summary>
    public InternalAppend Write(TransactionMetadata transaction, bool tombstone = false)
    {
        if (placement.PartitionOf(CoordinatorType.Transaction, transaction.TransactionalId, out var topic) is not { } partition)
            return new InternalAppend(ErrorCode.CoordinatorNotAvailable, null, -1);
        var leadership = partition.Leadership;
        if (!placement.IsLoaded(CoordinatorType.Transaction, partition, leadership)) return new InternalAppend(ErrorCode.NotCoordinator, null, -1);
        var key = InternalRecord.Encode(new TransactionLogKey { TransactionalId = transaction.TransactionalId }, InternalRecord.TransactionLogKeyVersion);
        var value = tombstone ? null : InternalRecord.Encode(Value(transaction), 0);
        return InternalTopicLog.Append(partition, leadership.LeaderEpoch, [new InternalRecordData(key, value)], time.GetUtcNow().ToUnixTimeMilliseconds(),
            minInsyncReplicas: topic!.Config.MinInsyncReplicas);
    }

    /// <summary>
    /// Waits until the in-sync replicas have <paramref name="append"/>, for at most the transaction's timeout as Kafka
    /// does: NONE, NOT_COORDINATOR when the partition lost its leader first, COORDINATOR_NOT_AVAILABLE on timeout.
    /// </summary>
    public Task<ErrorCode> WaitReplicatedAsync(InternalAppend append, TransactionMetadata transaction) =>
        InternalTopicLog.WaitReplicatedAsync(append, time, timeout: TimeSpan.FromMilliseconds(transaction.TimeoutMs));

    /// <summary>The latest state of every transactional id a partition's log holds (a tombstone removes the id).</summary>
    public static IReadOnlyDictionary<string, TransactionLogValue> Replay(IEnumerable<InternalLogEntry> entries)
    {
        var states = new Dictionary<string, TransactionLogValue>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.Marker is null))
        {
            var reader = new KafkaReader(entry.Key);
            var version = InternalRecord.ReadVersion(ref reader);
            if (version != InternalRecord.TransactionLogKeyVersion) continue;
            var id = TransactionLogKey.Read(ref reader, version).TransactionalId;
            if (entry.Value is not { } bytes)
            {
                states.Remove(id);
                continue;
            }
            var valueReader = new KafkaReader(bytes);
            var valueVersion = InternalRecord.ReadVersion(ref valueReader);
            states[id] = TransactionLogValue.Read(ref valueReader, valueVersion);
        }
        return states;
    }

    private static TransactionLogValue Value(TransactionMetadata transaction) => new()
    {
        ProducerId = transaction.ProducerId,
        ProducerEpoch = transaction.ProducerEpoch,
        TransactionTimeoutMs = transaction.TimeoutMs,
        // Kafka's TransactionState ids: Empty 0, Ongoing 1, PrepareCommit 2, PrepareAbort 3, CompleteCommit 4, CompleteAbort 5, Dead 6, PrepareEpochFence 7.
        TransactionStatus = (sbyte)transaction.State,
        TransactionPartitions = transaction.Partitions
            .GroupBy(p => p.Topic, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new TransactionLogValue.PartitionsSchema { Topic = g.Key, PartitionIds = g.Select(p => p.Partition).Order().ToList() })
            .ToList(),
        TransactionLastUpdateTimestampMs = transaction.LastUpdate.ToUnixTimeMilliseconds(),
        TransactionStartTimestampMs = transaction.StartTime?.ToUnixTimeMilliseconds() ?? -1,
    };
}
