using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>One partition's offset in an OffsetCommit.</summary>
/// <param name="Key">The topic partition.</param>
/// <param name="Offset">The next offset to consume.</param>
/// <param name="LeaderEpoch">The leader epoch of the last consumed record, or -1.</param>
/// <param name="Metadata">Client metadata, null for none.</param>
/// <param name="CommitTimestamp">The client's commit time (OffsetCommit v1), or null for the coordinator's clock.</param>
internal sealed record PartitionOffsetCommit(OffsetKey Key, long Offset, int LeaderEpoch = -1, string? Metadata = null, DateTimeOffset? CommitTimestamp = null);

/// <summary>An OffsetCommit request in domain terms.</summary>
internal sealed record OffsetCommitCommand
{
    /// <summary>The group.</summary>
    public required string GroupId { get; init; }
    /// <summary>The member's generation, or -1 for a commit from outside group management.</summary>
    public int GenerationId { get; init; } = -1;
    /// <summary>The member id, "" outside group management.</summary>
    public string MemberId { get; init; } = "";
    /// <summary>The static instance id, if any.</summary>
    public string? GroupInstanceId { get; init; }
    /// <summary>The offsets to store.</summary>
    public required IReadOnlyList<PartitionOffsetCommit> Offsets { get; init; }
    /// <summary>The OffsetCommit version: consumer-protocol members must commit with v9 or later.</summary>
    public short ApiVersion { get; init; } = 9;
    /// <summary>How long the offsets are kept from now (OffsetCommit v2-v4's retention_time_ms), or null for the broker's retention.</summary>
    public TimeSpan? RetentionTime { get; init; }
}

/// <summary>A stored committed offset.</summary>
/// <param name="Offset">The next offset to consume.</param>
/// <param name="LeaderEpoch">The leader epoch, or -1.</param>
/// <param name="Metadata">Client metadata ("" for none).</param>
/// <param name="CommitTimestamp">When the offset was committed.</param>
/// <param name="ExpireTimestamp">When it expires, set by OffsetCommit v2-v4's retention time; null: the broker's retention applies.</param>
internal sealed record CommittedOffset(long Offset, int LeaderEpoch, string Metadata, DateTimeOffset CommitTimestamp, DateTimeOffset? ExpireTimestamp = null);

/// <summary>One partition's answer in an OffsetFetch.</summary>
/// <param name="Key">The topic partition.</param>
/// <param name="Offset">The committed offset, or -1 when none.</param>
/// <param name="LeaderEpoch">The committed leader epoch, or -1.</param>
/// <param name="Metadata">The committed metadata, "" when none.</param>
/// <param name="Error">The error, or <see cref="ErrorCode.None"/>.</param>
internal sealed record FetchedOffset(OffsetKey Key, long Offset, int LeaderEpoch, string Metadata, ErrorCode Error);

/// <summary>The answer to an OffsetDelete.</summary>
/// <param name="Error">A group-level error, or <see cref="ErrorCode.None"/>.</param>
/// <param name="Partitions">The error per requested partition, in request order.</param>
internal sealed record OffsetDeleteResult(ErrorCode Error, IReadOnlyList<ErrorCode> Partitions);
