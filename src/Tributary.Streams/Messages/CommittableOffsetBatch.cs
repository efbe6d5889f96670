using Confluent.Kafka;

namespace Tributary.Streams.Messages;

/// <summary>
/// An immutable batch of offsets, the highest per group and partition. Start from <see cref="Empty"/> and add offsets
/// with <see cref="Updated"/>; <see cref="Committer"/> flows build batches for you.
/// </summary>
public sealed class CommittableOffsetBatch : ICommittableOffsetBatch
{
    private readonly IReadOnlyDictionary<GroupTopicPartition, Entry> _entries;

    private CommittableOffsetBatch(IReadOnlyDictionary<GroupTopicPartition, Entry> entries, long batchSize)
    {
        _entries = entries;
        BatchSize = batchSize;
    }

    /// <summary>The empty batch.</summary>
    public static CommittableOffsetBatch Empty { get; } = new(new Dictionary<GroupTopicPartition, Entry>(), 0);

    /// <inheritdoc />
    public long BatchSize { get; }

    /// <inheritdoc />
    public bool IsEmpty => _entries.Count == 0;

    /// <inheritdoc />
    public IReadOnlyDictionary<GroupTopicPartition, long> Offsets => _entries.ToDictionary(e => e.Key, e => e.Value.Offset);

    /// <inheritdoc />
    public ICommittableOffsetBatch Updated(ICommittable committable)
    {
        var builder = new Builder(this);
        builder.Add(committable);
        return builder.Build();
    }

    /// <inheritdoc />
    public Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_entries.Count == 0)
            return Task.CompletedTask;
        var perConsumer = new Dictionary<IOffsetCommitter, List<TopicPartitionOffset>>();
        foreach (var (key, entry) in _entries)
        {
            if (!perConsumer.TryGetValue(entry.Committer, out var offsets))
                perConsumer[entry.Committer] = offsets = [];
            offsets.Add(new TopicPartitionOffset(key.Topic, key.Partition, entry.Offset + 1));
        }
        return perConsumer.Count == 1
            ? perConsumer.First().Key.CommitAsync(perConsumer.First().Value, cancellationToken)
            : Task.WhenAll(perConsumer.Select(p => p.Key.CommitAsync(p.Value, cancellationToken)));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"CommittableOffsetBatch({string.Join(", ", _entries.Select(e => $"{e.Key.Topic}[{e.Key.Partition}]@{e.Value.Offset}"))})";

    private readonly record struct Entry(long Offset, IOffsetCommitter Committer);

    /// <summary>Accumulates offsets without copying per offset; used by the commit collector.</summary>
    internal sealed class Builder
    {
        private readonly Dictionary<GroupTopicPartition, Entry> _entries;
        private long _batchSize;

        public Builder() => _entries = new();

        public Builder(CommittableOffsetBatch start)
        {
            _entries = new Dictionary<GroupTopicPartition, Entry>(start._entries);
            _batchSize = start.BatchSize;
        }

        public long BatchSize => _batchSize;

        public bool IsEmpty => _entries.Count == 0;

        public void Add(ICommittable committable)
        {
            switch (committable)
            {
                case IBoundOffset offset:
                    Add(offset.PartitionOffset, offset.Committer, 1);
                    break;
                case CommittableOffsetBatch batch:
                    foreach (var (key, entry) in batch._entries)
                        Add(new PartitionOffset(key, entry.Offset), entry.Committer, 0);
                    _batchSize += batch.BatchSize;
                    break;
                default:
                    throw new ArgumentException($"Unknown committable {committable.GetType()}; only offsets from Tributary sources (or the testkit's ConsumerResultFactory) can be committed.", nameof(committable));
            }
        }

        internal void Add(PartitionOffset offset, IOffsetCommitter committer, long count)
        {
            if (!_entries.TryGetValue(offset.Key, out var existing) || existing.Offset < offset.Offset)
                _entries[offset.Key] = new Entry(offset.Offset, committer);
            _batchSize += count;
        }

        public CommittableOffsetBatch Build() => new(new Dictionary<GroupTopicPartition, Entry>(_entries), _batchSize);

        public void Clear()
        {
            _entries.Clear();
            _batchSize = 0;
        }
    }
}
