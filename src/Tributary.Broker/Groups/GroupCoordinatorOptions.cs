namespace Tributary.Broker.Groups;

/// <summary>Settings of the group coordinator (classic and consumer groups), with Kafka's broker defaults unless noted.</summary>
public sealed record GroupCoordinatorOptions
{
    /// <summary>
    /// How long the first rebalance of an empty group waits for more members to join
    /// (Kafka's <c>group.initial.rebalance.delay.ms</c>). Zero by default so tests do not wait.
    /// </summary>
    public TimeSpan InitialRebalanceDelay { get; init; } = TimeSpan.Zero;

    /// <summary>The smallest session timeout a member may ask for (<c>group.min.session.timeout.ms</c>).</summary>
    public TimeSpan MinSessionTimeout { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>The largest session timeout a member may ask for (<c>group.max.session.timeout.ms</c>).</summary>
    public TimeSpan MaxSessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The longest metadata string an offset commit may carry (<c>offset.metadata.max.bytes</c>).</summary>
    public int MaxOffsetMetadataLength { get; init; } = 4096;

    /// <summary>How often consumer-protocol members heartbeat (<c>group.consumer.heartbeat.interval.ms</c>, 5 s).</summary>
    public TimeSpan ConsumerHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a consumer-protocol member lives without heartbeats (<c>group.consumer.session.timeout.ms</c>, 45 s).</summary>
    public TimeSpan ConsumerSessionTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>The most members a consumer group may have (<c>group.consumer.max.size</c>, unlimited by default).</summary>
    public int ConsumerMaxSize { get; init; } = int.MaxValue;

    /// <summary>
    /// The server-side assignors, the first being the default (<c>group.consumer.assignors</c>, "uniform" and
    /// "range"); members pick one with <c>group.remote.assignor</c>.
    /// </summary>
    public IReadOnlyList<string> ConsumerAssignors { get; init; } = ["uniform", "range"];

    /// <summary>
    /// How long committed offsets are kept (<c>offsets.retention.minutes</c>, 7 days), as Kafka counts it (KIP-211): from
    /// the moment a classic group became empty, from the commit for a consumer group (KIP-848) and for a group without
    /// members' protocol (standalone commits), and never while the group's members subscribe to the offset's topic.
    /// An empty group left without offsets is deleted.
    /// </summary>
    public TimeSpan OffsetsRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How often expired offsets are looked for (<c>offsets.retention.check.interval.ms</c>, 10 minutes).</summary>
    public TimeSpan OffsetsRetentionCheckInterval { get; init; } = TimeSpan.FromMinutes(10);
}
