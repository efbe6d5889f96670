using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Cluster;

/// <summary>One record a coordinator writes to its internal topic: Kafka's versioned key, and a versioned value or null (a tombstone).</summary>
internal readonly record struct InternalRecordData(byte[] Key, byte[]? Value);

/// <summary>
/// A coordinator's write to its internal-topic partition: appended on the leader at <see cref="Offset"/> minus one,
/// or refused with <see cref="Error"/>. Wait with <see cref="InternalTopicLog.WaitReplicatedAsync"/> before answering.
/// </summary>
internal readonly record struct InternalAppend(ErrorCode Error, PartitionLog? Log, long Offset)
{
    /// <summary>Nothing to write: done at once.</summary>
    public static InternalAppend Nothing => new(ErrorCode.None, null, 0);
}

/// <summary>One record read back from an internal-topic partition, with its batch's producer and transaction flags.</summary>
internal readonly record struct InternalLogEntry(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte>? Value, long ProducerId, bool IsTransactional, ControlRecordType? Marker);

/// <summary>
/// How the group and transaction coordinators use <c>__consumer_offsets</c> and <c>__transaction_state</c>: records
/// are appended on the partition leader through the normal log append (at the leader epoch the coordinator loaded,
/// so a coordinator that lost the partition cannot write), answered once the in-sync replicas have them (acks=all,
/// as Kafka's coordinators append), and read back from the replica's log when a broker becomes leader.
/// </summary>
internal static class InternalTopicLog
{
    /// <summary>How long a coordinator waits for its write to be replicated, as Kafka's offsets.commit.timeout.ms.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(5);

    private const int ReadChunkBytes = 1024 * 1024;

    /// <summary>
    /// Appends <paramref name="records"/> as one batch on the leader of <paramref name="partition"/> at
    /// <paramref name="leaderEpoch"/>; a transactional batch carries the producer's id and epoch (visible at its
    /// marker). NOT_COORDINATOR when the partition has another leader or epoch now; COORDINATOR_NOT_AVAILABLE when
    /// fewer than <paramref name="minInsyncReplicas"/> replicas are in sync (Kafka's NOT_ENOUGH_REPLICAS, mapped);
    /// UNKNOWN_SERVER_ERROR when the batch is larger than <paramref name="maxMessageBytes"/> (the topic's
    /// max.message.bytes, which Kafka's coordinators respect: MESSAGE_TOO_LARGE, mapped).
    /// </summary>
    public static InternalAppend Append(PartitionState partition, int leaderEpoch, IReadOnlyList<InternalRecordData> records, long nowMs,
        long producerId = -1, short producerEpoch = -1, int minInsyncReplicas = 1, int maxMessageBytes = int.MaxValue)
    {
        if (records.Count == 0) return InternalAppend.Nothing;
        var leadership = partition.Leadership;
        if (leadership.Leader < 0 || leadership.LeaderEpoch != leaderEpoch) return new InternalAppend(ErrorCode.NotCoordinator, null, -1);
        // Coordinators append with acks=all, so min.insync.replicas applies to them as to any producer.
        if (leadership.Isr.Count < minInsyncReplicas) return new InternalAppend(CoordinatorError(ErrorCode.NotEnoughReplicas), null, -1);
        using var output = new PooledBufferWriter();
        var options = new RecordBatchOptions { ProducerId = producerId, ProducerEpoch = producerEpoch, IsTransactional = producerId >= 0 };
        using (var batch = new RecordBatchBuilder(output, options))
        {
            foreach (var record in records) batch.Append(nowMs, record.Key, record.Value);
            batch.Complete();
        }
        var appended = partition.AppendAsLeader(leadership.Leader, output.WrittenSpan,
            new AppendOptions(leaderEpoch, nowMs, UseLogAppendTime: false, maxMessageBytes, FromCoordinator: true));
        return appended.Error == ErrorCode.None
            ? new InternalAppend(ErrorCode.None, partition.ReplicaLog(leadership.Leader), appended.LastOffset + 1)
            : new InternalAppend(CoordinatorError(appended.Error), null, -1);
    }

    /// <summary>
    /// What a coordinator answers for a failed append to its partition, as Kafka's transaction and group coordinators
    /// map it: the partition missing, too few in-sync replicas or a timeout is COORDINATOR_NOT_AVAILABLE (the client
    /// retries), a lost leadership or a failed log directory NOT_COORDINATOR (it looks for the coordinator again), a
    /// record too large UNKNOWN_SERVER_ERROR; any other error as it is.
    /// </summary>
    public static ErrorCode CoordinatorError(ErrorCode appendError) => appendError switch
    {
        ErrorCode.UnknownTopicOrPartition or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.RequestTimedOut
            => ErrorCode.CoordinatorNotAvailable,
        ErrorCode.NotLeaderOrFollower or ErrorCode.KafkaStorageError => ErrorCode.NotCoordinator,
        ErrorCode.MessageTooLarge or ErrorCode.RecordListTooLarge => ErrorCode.UnknownServerError,
        var other => other,
    };

    /// <summary>
    /// Waits until every in-sync replica has the write: NONE; NOT_COORDINATOR when the leader lost the partition
    /// first; COORDINATOR_NOT_AVAILABLE when it takes longer than <paramref name="timeout"/> (by default
    /// <see cref="CommitTimeout"/>; Kafka's mapping of a timed-out append for group and transaction writes).
    /// </summary>
    public static async Task<ErrorCode> WaitReplicatedAsync(InternalAppend append, TimeProvider time, CancellationToken cancellationToken = default,
        TimeSpan? timeout = null)
    {
        if (append.Error != ErrorCode.None || append.Log is null) return append.Error;
        var wait = append.Log.WaitForHighWatermarkAsync(append.Offset);
        if (wait.IsCompleted) return wait.Result ? ErrorCode.None : ErrorCode.NotCoordinator;
        try
        {
            return await wait.WaitAsync(timeout ?? CommitTimeout, time, cancellationToken).ConfigureAwait(false) ? ErrorCode.None : ErrorCode.NotCoordinator;
        }
        catch (TimeoutException)
        {
            append.Log.CancelHighWatermarkWait(wait);
            return CoordinatorError(ErrorCode.RequestTimedOut);
        }
    }

    /// <summary>
    /// Every record of <paramref name="log"/> from its start to its end (past the high watermark too: a new leader's
    /// log holds what the old one acknowledged), as Kafka's coordinators load a partition they come to lead.
    /// </summary>
    public static IEnumerable<InternalLogEntry> Replay(PartitionLog log)
    {
        for (var offset = log.LogStartOffset; ;)
        {
            var read = log.ReadForReplica(offset, ReadChunkBytes);
            try
            {
                if (read.Error != ErrorCode.None || read.Batches.Count == 0) yield break;
                foreach (var batch in read.Batches)
                {
                    foreach (var entry in Entries(batch.Bytes)) yield return entry;
                    offset = batch.LastOffset + 1;
                }
            }
            finally
            {
                read.Release();
            }
            if (offset >= read.LogEndOffset) yield break;
        }
    }

    private static List<InternalLogEntry> Entries(ReadOnlyMemory<byte> bytes)
    {
        var batch = RecordBatch.Read(bytes);
        var header = batch.Header;
        var (producerId, transactional, control) = (header.ProducerId, header.IsTransactional, header.IsControl);
        var entries = new List<InternalLogEntry>();
        using var records = batch.ReadRecords();
        foreach (var record in records)
        {
            entries.Add(control
                ? new InternalLogEntry(ReadOnlyMemory<byte>.Empty, null, producerId, transactional, ControlRecord.Parse(record).Type)
                // Typed as a nullable memory: a null byte[] would convert to an empty memory, and a tombstone would read as a value.
                : new InternalLogEntry(record.Key.ToArray(), record.IsValueNull ? (ReadOnlyMemory<byte>?)null : record.Value.ToArray(), producerId, transactional, null));
        }
        return entries;
    }
}
