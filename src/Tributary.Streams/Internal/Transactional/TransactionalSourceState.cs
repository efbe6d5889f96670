using System.Runtime.CompilerServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams.Internal;

/// <summary>
/// What a transactional source and the flows committing its offsets share, one per consumer: the group metadata to
/// send with offsets (KIP-447), the highest offset emitted and the next offset committed per partition, and the
/// flows to ask for a commit. On revoke the poll thread blocks here, inside librdkafka's revoke callback, until the
/// revoked partitions' emitted records are committed, so the next owner starts exactly after them.
/// </summary>
internal sealed class TransactionalSourceState
{
    private static readonly ConditionalWeakTable<IOffsetCommitter, TransactionalSourceState> States = new();

    private readonly object _gate = new();
    private readonly Func<IConsumerGroupMetadata?> _groupMetadata;
    private readonly TimeSpan _drainTimeout;
    private readonly ILogger _logger;
    private readonly Dictionary<TopicPartition, long> _emitted = new();
    private readonly Dictionary<TopicPartition, long> _committed = new();
    private readonly HashSet<ITransactionalSink> _sinks = new();

    private TransactionalSourceState(string groupId, bool commitsToGroup, Func<IConsumerGroupMetadata?> groupMetadata, TimeSpan drainTimeout, ILogger logger)
    {
        GroupId = groupId;
        CommitsToGroup = commitsToGroup;
        _groupMetadata = groupMetadata;
        _drainTimeout = drainTimeout;
        _logger = logger;
    }

    public string GroupId { get; }

    /// <summary>Whether offsets are committed to the consumer group; with a manual assignment the application stores them itself.</summary>
    public bool CommitsToGroup { get; }

    /// <summary>The state of the consumer behind <paramref name="committer"/> (a source stage's driver).</summary>
    public static TransactionalSourceState Of<TKey, TValue>(IOffsetCommitter committer, ConsumerSettings<TKey, TValue> settings, bool commitsToGroup) =>
        States.GetValue(committer, c => new TransactionalSourceState(
            c.GroupId,
            commitsToGroup,
            () => ((ConsumerDriver<TKey, TValue>)c).GroupMetadata,
            settings.CommitTimeout,
            settings.Logger));

    /// <summary>The consumer's current group metadata, read when offsets are sent.</summary>
    public IConsumerGroupMetadata? GroupMetadata() => _groupMetadata();

    /// <summary>Stage thread: a record is emitted; returns its transactional offset.</summary>
    public TransactionalOffset Emit(TopicPartitionOffset record)
    {
        lock (_gate)
            _emitted[record.TopicPartition] = record.Offset.Value;
        return new TransactionalOffset(this, record);
    }

    public void Register(ITransactionalSink sink)
    {
        lock (_gate)
            _sinks.Add(sink);
    }

    /// <summary>A flow stopped: nothing it held will be committed, so a drain need not wait for it.</summary>
    public void Unregister(ITransactionalSink sink)
    {
        lock (_gate)
        {
            _sinks.Remove(sink);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Transaction thread: a transaction with these next offsets was committed.</summary>
    public void Committed(IReadOnlyDictionary<TopicPartition, long> nextOffsets)
    {
        lock (_gate)
        {
            foreach (var (partition, next) in nextOffsets)
                if (!_committed.TryGetValue(partition, out var known) || known < next)
                    _committed[partition] = next;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Poll thread, inside the revoke callback: waits until every emitted record of <paramref name="revoked"/> is
    /// committed, asking the flows to commit now. On timeout the flows abort (never commit half) and fail.
    /// </summary>
    public void DrainRevoked(IReadOnlySet<TopicPartition> revoked)
    {
        ITransactionalSink[] toAbort = [];
        lock (_gate)
        {
            var deadline = DateTime.UtcNow + _drainTimeout;
            var asked = false;
            while (_sinks.Count > 0 && Undrained(revoked).Any())
            {
                if (!asked)
                {
                    foreach (var sink in _sinks)
                        sink.CommitSoon();
                    asked = true;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    toAbort = _sinks.ToArray();
                    break;
                }
                Monitor.Wait(_gate, left);
            }
            var undrained = toAbort.Length > 0 ? KafkaLog.Describe(Undrained(revoked)) : "";
            foreach (var partition in revoked)
            {
                _emitted.Remove(partition);
                _committed.Remove(partition);
            }
            if (toAbort.Length > 0)
            {
                _logger.LogWarning("Revoked partitions {Partitions} did not drain within {Timeout}; aborting the open transaction", undrained, _drainTimeout);
                var failure = new TransactionDrainTimeoutException($"Records of revoked partitions {undrained} were not committed within {_drainTimeout}; the open transaction was aborted.");
                foreach (var sink in toAbort)
                    sink.Abort(failure);
            }
        }
    }

    private IEnumerable<TopicPartition> Undrained(IReadOnlySet<TopicPartition> revoked) =>
        revoked.Where(p => _emitted.TryGetValue(p, out var last) && (!_committed.TryGetValue(p, out var next) || next <= last));
}
