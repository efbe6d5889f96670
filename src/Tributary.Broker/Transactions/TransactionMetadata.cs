using Tributary.Protocol.Messages.Internal;

namespace Tributary.Broker.Transactions;

/// <summary>
/// What the coordinator knows about one transactional id: its producer id and epoch, the running
/// transaction's partitions (with the <c>__consumer_offsets</c> partitions of the groups it commits offsets for), and its state. Not thread-safe: the coordinator's lock guards it.
/// </summary>
internal sealed class TransactionMetadata
{
    /// <summary>No epoch yet (a new transactional id), as in Kafka's records.</summary>
    public const short NoEpoch = -1;

    private readonly HashSet<TopicPartition> _partitions = [];

    /// <summary>Creates the metadata of a new transactional id, in state Empty without an epoch.</summary>
    public TransactionMetadata(string transactionalId, long producerId, int timeoutMs, DateTimeOffset now)
    {
        TransactionalId = transactionalId;
        ProducerId = producerId;
        TimeoutMs = timeoutMs;
        LastUpdate = now;
    }

    /// <summary>
    /// The metadata a partition's log recorded for <paramref name="transactionalId"/> (a coordinator loading its
    /// partition): producer id and epoch, timeout, state, partitions and times.
    /// </summary>
    public static TransactionMetadata Restore(string transactionalId, TransactionLogValue value)
    {
        var restored = new TransactionMetadata(transactionalId, value.ProducerId, value.TransactionTimeoutMs,
            DateTimeOffset.FromUnixTimeMilliseconds(value.TransactionLastUpdateTimestampMs))
        {
            ProducerEpoch = value.ProducerEpoch,
            State = (TransactionState)value.TransactionStatus,
            StartTime = value.TransactionStartTimestampMs >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(value.TransactionStartTimestampMs) : null,
        };
        foreach (var topic in value.TransactionPartitions ?? [])
            restored._partitions.UnionWith(topic.PartitionIds.Select(p => new TopicPartition(topic.Topic, p)));
        return restored;
    }

    /// <summary>The transactional id.</summary>
    public string TransactionalId { get; }

    /// <summary>The producer id currently bound to the transactional id.</summary>
    public long ProducerId { get; private set; }

    /// <summary>The producer id before the last rotation, or -1.</summary>
    public long PreviousProducerId { get; private set; } = -1;

    /// <summary>The current producer epoch; older epochs are fenced.</summary>
    public short ProducerEpoch { get; private set; } = NoEpoch;

    /// <summary>The epoch before the last bump requested by the producer itself (KIP-360 retries), or <see cref="NoEpoch"/>.</summary>
    public short LastProducerEpoch { get; private set; } = NoEpoch;

    /// <summary>The transaction timeout the producer asked for.</summary>
    public int TimeoutMs { get; private set; }

    /// <summary>The current state.</summary>
    public TransactionState State { get; private set; } = TransactionState.Empty;

    /// <summary>When the running transaction started (its first AddPartitionsToTxn or AddOffsetsToTxn), or null.</summary>
    public DateTimeOffset? StartTime { get; private set; }

    /// <summary>When the metadata last changed (for expiration of idle transactional ids).</summary>
    public DateTimeOffset LastUpdate { get; private set; }

    /// <summary>The partitions of the running transaction.</summary>
    public IReadOnlyCollection<TopicPartition> Partitions => _partitions;

    /// <summary>
    /// Whether a transition of this metadata is being written to <c>__transaction_state</c> (Kafka's pending state):
    /// until the in-sync replicas have it, other requests for the id get CONCURRENT_TRANSACTIONS.
    /// </summary>
    public bool HasPendingWrite { get; set; }

    /// <summary>
    /// A copy to prepare a transition on (Kafka's TxnTransitMetadata): the coordinator keeps this metadata until the
    /// copy's record is committed, then puts the copy in its place; a failed write leaves this one as it was.
    /// </summary>
    public TransactionMetadata Prepare()
    {
        var copy = new TransactionMetadata(TransactionalId, ProducerId, TimeoutMs, LastUpdate)
        {
            PreviousProducerId = PreviousProducerId,
            ProducerEpoch = ProducerEpoch,
            LastProducerEpoch = LastProducerEpoch,
            State = State,
            StartTime = StartTime,
        };
        copy._partitions.UnionWith(_partitions);
        return copy;
    }

    /// <summary>Whether the epoch cannot be bumped again: a new producer id is needed.</summary>
    public bool IsEpochExhausted => ProducerEpoch >= short.MaxValue - 1;

    /// <summary>Moves to <paramref name="next"/>.</summary>
    /// <exception cref="InvalidOperationException">Kafka's state machine does not allow that transition.</exception>
    public void TransitionTo(TransactionState next, DateTimeOffset now)
    {
        if (!TransactionStates.CanTransition(State, next))
            throw new InvalidOperationException($"Transactional id '{TransactionalId}' cannot go from {State} to {next}.");
        if (next == TransactionState.Ongoing && State != TransactionState.Ongoing) StartTime = now;
        if (next == TransactionState.Empty) StartTime = null;
        // The markers are written while preparing; a completed transaction has no partitions left, as in Kafka.
        if (TransactionStates.IsIdle(next)) _partitions.Clear();
        State = next;
        LastUpdate = now;
    }

    /// <summary>Adds partitions to the running transaction (state Ongoing).</summary>
    public void AddPartitions(IEnumerable<TopicPartition> partitions) => _partitions.UnionWith(partitions);

    /// <summary>A new epoch for a new producer instance or a KIP-360 bump; <paramref name="lastEpoch"/> is remembered for retries.</summary>
    public void BumpEpoch(short lastEpoch, int timeoutMs)
    {
        ProducerEpoch++;
        LastProducerEpoch = lastEpoch;
        TimeoutMs = timeoutMs;
    }

    /// <summary>Fences the current instance: a new epoch that is never handed to it (nor remembered for retries).</summary>
    public void FenceEpoch()
    {
        ProducerEpoch++;
        LastProducerEpoch = NoEpoch;
    }

    /// <summary>Binds a new producer id at epoch 0, once every epoch of the old one is used.</summary>
    public void RotateProducerId(long producerId, int timeoutMs)
    {
        PreviousProducerId = ProducerId;
        ProducerId = producerId;
        ProducerEpoch = 0;
        LastProducerEpoch = NoEpoch;
        TimeoutMs = timeoutMs;
    }
}
