using Confluent.Kafka;

namespace Tributary.Streams.Dsl;

/// <summary>
/// Looks up topics, partitions and offsets: the counterpart of Alpakka's MetadataClient. It holds an admin client
/// and a consumer that never subscribes (its group id, if set, is the group whose committed offsets are read).
/// </summary>
public sealed class MetadataClient : IDisposable
{
    private readonly IAdminClient _admin;
    private readonly IConsumer<Ignore, Ignore> _consumer;
    private readonly TimeSpan _timeout;

    private MetadataClient(IReadOnlyDictionary<string, string> properties, TimeSpan timeout)
    {
        _timeout = timeout;
        _admin = new AdminClientBuilder(properties.Where(p => !IsConsumerOnly(p.Key))).Build();
        _consumer = new ConsumerBuilder<Ignore, Ignore>(properties).Build();
    }

    /// <summary>Creates a client with the connection properties (and group id) of consumer settings.</summary>
    /// <param name="settings">Consumer settings.</param>
    /// <param name="timeout">Timeout per look-up; the settings' metadata request timeout when null.</param>
    public static MetadataClient Create<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, TimeSpan? timeout = null) =>
        new(settings.Properties, timeout ?? settings.MetadataRequestTimeout);

    /// <summary>Names of all topics in the cluster.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<IReadOnlyList<string>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<string>>(() => _admin.GetMetadata(_timeout).Topics.Where(t => !t.Error.IsError).Select(t => t.Topic).ToList(), cancellationToken);

    /// <summary>The partitions of a topic.</summary>
    /// <param name="topic">Topic name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<IReadOnlyList<TopicPartition>> GetPartitionsAsync(string topic, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyList<TopicPartition>>(() =>
        {
            var metadata = _admin.GetMetadata(topic, _timeout).Topics.Single();
            if (metadata.Error.IsError)
                throw new KafkaException(metadata.Error);
            return metadata.Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).OrderBy(p => p.Partition.Value).ToList();
        }, cancellationToken);

    /// <summary>The first offset still stored in each partition.</summary>
    /// <param name="partitions">The partitions.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<IReadOnlyDictionary<TopicPartition, long>> GetBeginningOffsetsAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default) =>
        Watermarks(partitions, w => w.Low, cancellationToken);

    /// <summary>The offset the next record written to each partition will get.</summary>
    /// <param name="partitions">The partitions.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<IReadOnlyDictionary<TopicPartition, long>> GetEndOffsetsAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default) =>
        Watermarks(partitions, w => w.High, cancellationToken);

    /// <summary>The group's committed offset per partition (<see cref="Offset.Unset"/> where nothing is committed).</summary>
    /// <param name="partitions">The partitions.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<IReadOnlyDictionary<TopicPartition, Offset>> GetCommittedOffsetsAsync(IEnumerable<TopicPartition> partitions, CancellationToken cancellationToken = default) =>
        RunAsync<IReadOnlyDictionary<TopicPartition, Offset>>(
            () => _consumer.Committed(partitions, _timeout).ToDictionary(c => c.TopicPartition, c => c.Offset), cancellationToken);

    /// <summary>Closes both clients.</summary>
    public void Dispose()
    {
        _consumer.Dispose();
        _admin.Dispose();
    }

    private Task<IReadOnlyDictionary<TopicPartition, long>> Watermarks(IEnumerable<TopicPartition> partitions, Func<WatermarkOffsets, Offset> pick, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyDictionary<TopicPartition, long>>(
            () => partitions.ToDictionary(p => p, p => pick(_consumer.QueryWatermarkOffsets(p, _timeout)).Value), cancellationToken);

    // Confluent.Kafka's metadata calls block; run them off the caller's thread.
    private static Task<T> RunAsync<T>(Func<T> lookup, CancellationToken cancellationToken) =>
        Task.Run(lookup, cancellationToken).WaitAsync(cancellationToken);

    private static bool IsConsumerOnly(string property) =>
        property is "group.id" or "enable.auto.commit" or "enable.auto.offset.store" or "auto.offset.reset" || property.StartsWith("fetch.", StringComparison.Ordinal);
}
