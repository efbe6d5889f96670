namespace Tributary.Broker.Groups;

/// <summary>Settings of the classic consumer-group coordinator, with Kafka's broker defaults unless noted.</summary>
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
}
