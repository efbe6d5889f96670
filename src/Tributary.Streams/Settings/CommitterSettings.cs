using Akka.Actor;
using Akka.Configuration;

namespace Tributary.Streams.Settings;

/// <summary>Whether the committer waits for the broker to acknowledge a commit before emitting or moving on.</summary>
public enum CommitDelivery
{
    /// <summary>Wait for each batch commit to be acknowledged (at most <see cref="CommitterSettings.Parallelism"/> in flight).</summary>
    WaitForAck,

    /// <summary>Send the commit and continue without waiting; failures are logged by the consumer.</summary>
    SendAndForget,
}

/// <summary>When an offset becomes eligible for commit.</summary>
public enum CommitWhen
{
    /// <summary>Commit an offset as soon as it is observed.</summary>
    OffsetFirstObserved,

    /// <summary>
    /// Commit an offset only once a later offset of the same partition was observed (or the stream completes):
    /// useful when one record produces several committables that must all be processed first.
    /// </summary>
    NextOffsetObserved,
}

/// <summary>Settings of the committer flows and sinks (<see cref="Committer"/>).</summary>
public sealed record CommitterSettings
{
    private CommitterSettings() { }

    /// <summary>Settings with the values of the embedded reference configuration (<c>akka.kafka.committer</c>).</summary>
    public static CommitterSettings Default { get; } = Create(Config.Empty);

    /// <summary>Most offsets in one batch before it is committed.</summary>
    public int MaxBatch { get; init; }

    /// <summary>Longest time the first offset of a batch waits before the batch is committed.</summary>
    public TimeSpan MaxInterval { get; init; }

    /// <summary>Batch commits in flight at once.</summary>
    public int Parallelism { get; init; }

    /// <summary>Whether to wait for commit acknowledgements.</summary>
    public CommitDelivery Delivery { get; init; }

    /// <summary>When an offset becomes eligible for commit.</summary>
    public CommitWhen When { get; init; }

    /// <summary>Reads <c>akka.kafka.committer</c> from the actor system's configuration.</summary>
    /// <param name="system">The actor system whose configuration to read.</param>
    public static CommitterSettings Create(ActorSystem system) =>
        FromSection(KafkaReferenceConfig.SectionOf(system, "akka.kafka.committer"));

    /// <summary>Reads committer settings from a section shaped like <c>akka.kafka.committer</c>.</summary>
    /// <param name="config">The section; missing keys take the reference values.</param>
    public static CommitterSettings Create(Config config) =>
        FromSection(KafkaReferenceConfig.WithReference(config, "akka.kafka.committer"));

    private static CommitterSettings FromSection(Config c) => new()
    {
        MaxBatch = c.GetInt("max-batch"),
        MaxInterval = c.GetTimeSpan("max-interval"),
        Parallelism = c.GetInt("parallelism"),
        Delivery = Enum.Parse<CommitDelivery>(c.GetString("delivery"), ignoreCase: true),
        When = Enum.Parse<CommitWhen>(c.GetString("when"), ignoreCase: true),
    };

    /// <summary>Returns settings with another maximum batch size.</summary>
    /// <param name="maxBatch">Most offsets per batch, at least 1.</param>
    public CommitterSettings WithMaxBatch(int maxBatch) =>
        this with { MaxBatch = maxBatch > 0 ? maxBatch : throw new ArgumentOutOfRangeException(nameof(maxBatch)) };

    /// <summary>Returns settings with another maximum batch age.</summary>
    /// <param name="maxInterval">Longest wait of a batch's first offset, positive.</param>
    public CommitterSettings WithMaxInterval(TimeSpan maxInterval) =>
        this with { MaxInterval = maxInterval > TimeSpan.Zero ? maxInterval : throw new ArgumentOutOfRangeException(nameof(maxInterval)) };

    /// <summary>Returns settings with another commit parallelism.</summary>
    /// <param name="parallelism">Batch commits in flight, at least 1.</param>
    public CommitterSettings WithParallelism(int parallelism) =>
        this with { Parallelism = parallelism > 0 ? parallelism : throw new ArgumentOutOfRangeException(nameof(parallelism)) };

    /// <summary>Returns settings with another delivery mode.</summary>
    /// <param name="delivery">Wait for acknowledgements or not.</param>
    public CommitterSettings WithDelivery(CommitDelivery delivery) => this with { Delivery = delivery };

    /// <summary>Returns settings with another commit-when rule.</summary>
    /// <param name="when">When an offset becomes eligible for commit.</param>
    public CommitterSettings WithCommitWhen(CommitWhen when) => this with { When = when };
}
