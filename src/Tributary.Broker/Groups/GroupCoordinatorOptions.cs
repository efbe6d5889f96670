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
}
