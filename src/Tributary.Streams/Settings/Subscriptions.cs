using System.Collections.Immutable;
using Confluent.Kafka;
using Tributary.Streams.Helpers;

namespace Tributary.Streams.Settings;

/// <summary>What a source reads: topics through a consumer group, or partitions it assigns itself.</summary>
public interface ISubscription;

/// <summary>A consumer-group subscription: the group coordinator assigns the partitions.</summary>
public interface IAutoSubscription : ISubscription
{
    /// <summary>Callbacks on assignment changes of this subscription, run beside the settings' <see cref="ConsumerSettings{TKey,TValue}.PartitionHandler"/>.</summary>
    IPartitionEventHandler? PartitionEventsHandler { get; }

    /// <summary>Returns the subscription with callbacks on its assignment changes (Akka.Streams.Kafka's way to set them).</summary>
    /// <param name="handler">Callbacks run on the poll thread.</param>
    IAutoSubscription WithPartitionEventsHandler(IPartitionEventHandler handler);
}

/// <summary>A manual assignment: the source reads exactly the given partitions.</summary>
public interface IManualSubscription : ISubscription
{
    /// <summary>The partitions this subscription reads.</summary>
    IReadOnlyCollection<TopicPartition> Partitions { get; }
}

/// <summary>Factory methods for subscriptions, named as in Alpakka Kafka.</summary>
public static class Subscriptions
{
    /// <summary>Subscribes to topics through the consumer group.</summary>
    /// <param name="topics">Topic names.</param>
    public static IAutoSubscription Topics(params string[] topics) => new TopicSubscription(topics.ToImmutableArray());

    /// <summary>Subscribes to every topic matching a regular expression (librdkafka syntax, a leading <c>^</c> is added if missing).</summary>
    /// <param name="pattern">The topic name pattern.</param>
    public static IAutoSubscription TopicPattern(string pattern) => new TopicPatternSubscription(pattern.StartsWith('^') ? pattern : "^" + pattern);

    /// <summary>Reads the given partitions from their committed offsets (or <c>auto.offset.reset</c>).</summary>
    /// <param name="partitions">The partitions.</param>
    public static IManualSubscription Assignment(params TopicPartition[] partitions) => new AssignmentSubscription(partitions.ToImmutableArray());

    /// <summary>Reads the given partitions from the given offsets, for example offsets kept outside Kafka.</summary>
    /// <param name="offsets">Partitions and the offset of the first record to read.</param>
    public static IManualSubscription AssignmentWithOffset(params TopicPartitionOffset[] offsets) => new AssignmentWithOffsetSubscription(offsets.ToImmutableArray());

    /// <summary>Reads the given partitions from the first record at or after a timestamp each.</summary>
    /// <param name="timestamps">Partitions and the timestamp to start from.</param>
    public static IManualSubscription AssignmentOffsetsForTimes(params TopicPartitionTimestamp[] timestamps) => new AssignmentOffsetsForTimesSubscription(timestamps.ToImmutableArray());
}

/// <summary>Group subscription to named topics.</summary>
/// <param name="Topics">Topic names.</param>
public sealed record TopicSubscription(ImmutableArray<string> Topics) : IAutoSubscription
{
    /// <inheritdoc />
    public IPartitionEventHandler? PartitionEventsHandler { get; init; }

    /// <inheritdoc />
    public IAutoSubscription WithPartitionEventsHandler(IPartitionEventHandler handler) => this with { PartitionEventsHandler = handler };
}

/// <summary>Group subscription to topics matching a pattern.</summary>
/// <param name="Pattern">Regular expression starting with <c>^</c>.</param>
public sealed record TopicPatternSubscription(string Pattern) : IAutoSubscription
{
    /// <inheritdoc />
    public IPartitionEventHandler? PartitionEventsHandler { get; init; }

    /// <inheritdoc />
    public IAutoSubscription WithPartitionEventsHandler(IPartitionEventHandler handler) => this with { PartitionEventsHandler = handler };
}

/// <summary>Manual assignment starting from committed offsets.</summary>
/// <param name="Assigned">The partitions.</param>
public sealed record AssignmentSubscription(ImmutableArray<TopicPartition> Assigned) : IManualSubscription
{
    /// <inheritdoc />
    public IReadOnlyCollection<TopicPartition> Partitions => Assigned;
}

/// <summary>Manual assignment starting from given offsets.</summary>
/// <param name="Offsets">Partitions with their first offset.</param>
public sealed record AssignmentWithOffsetSubscription(ImmutableArray<TopicPartitionOffset> Offsets) : IManualSubscription
{
    /// <inheritdoc />
    public IReadOnlyCollection<TopicPartition> Partitions => Offsets.Select(o => o.TopicPartition).ToArray();
}

/// <summary>Manual assignment starting from the first offsets at or after given timestamps.</summary>
/// <param name="Timestamps">Partitions with their start timestamps.</param>
public sealed record AssignmentOffsetsForTimesSubscription(ImmutableArray<TopicPartitionTimestamp> Timestamps) : IManualSubscription
{
    /// <inheritdoc />
    public IReadOnlyCollection<TopicPartition> Partitions => Timestamps.Select(t => t.TopicPartition).ToArray();
}
