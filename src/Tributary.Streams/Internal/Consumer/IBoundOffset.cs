namespace Tributary.Streams.Internal;

/// <summary>
/// A committable offset bound to the consumer that can commit it: what committer stages batch per consumer.
/// Offsets of Tributary sources are bound to their source's consumer; the testkit binds its fake offsets to a
/// recording committer, so that test data runs through the same committer stages.
/// </summary>
internal interface IBoundOffset : ICommittableOffset
{
    /// <summary>The consumer that commits this offset.</summary>
    IOffsetCommitter Committer { get; }
}
