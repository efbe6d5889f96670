using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>A JoinGroup request in domain terms.</summary>
internal sealed record JoinGroupCommand
{
    /// <summary>The group to join.</summary>
    public required string GroupId { get; init; }
    /// <summary>The member id, or "" for a member that has none yet.</summary>
    public required string MemberId { get; init; }
    /// <summary>The static member's instance id (group.instance.id), or null for a dynamic member.</summary>
    public string? GroupInstanceId { get; init; }
    /// <summary>The client id of the connection, used as the prefix of new member ids.</summary>
    public required string ClientId { get; init; }
    /// <summary>The client's address, shown by DescribeGroups.</summary>
    public required string ClientHost { get; init; }
    /// <summary>How long the member lives without heartbeats.</summary>
    public required TimeSpan SessionTimeout { get; init; }
    /// <summary>How long a rebalance waits for this member to rejoin.</summary>
    public required TimeSpan RebalanceTimeout { get; init; }
    /// <summary>The protocol class, "consumer" for consumers.</summary>
    public required string ProtocolType { get; init; }
    /// <summary>The protocols the member supports, most preferred first.</summary>
    public required IReadOnlyList<GroupProtocol> Protocols { get; init; }
    /// <summary>True from JoinGroup v4: a member without id first gets MEMBER_ID_REQUIRED and an id to rejoin with.</summary>
    public bool RequireKnownMemberId { get; init; }
    /// <summary>True from JoinGroup v9: a static leader that rejoins a stable group may be told to skip the assignment.</summary>
    public bool SupportsSkipAssignment { get; init; }
}

/// <summary>A member as the leader sees it in its JoinGroup response.</summary>
/// <param name="MemberId">The member id.</param>
/// <param name="GroupInstanceId">The static instance id, if any.</param>
/// <param name="Metadata">The member's metadata for the chosen protocol.</param>
internal sealed record JoinedMember(string MemberId, string? GroupInstanceId, byte[] Metadata);

/// <summary>The answer to a JoinGroup.</summary>
internal sealed record JoinGroupResult
{
    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public required ErrorCode Error { get; init; }
    /// <summary>The generation the member joined, -1 on error.</summary>
    public int GenerationId { get; init; } = -1;
    /// <summary>The group's protocol type.</summary>
    public string? ProtocolType { get; init; }
    /// <summary>The protocol chosen for this generation.</summary>
    public string? ProtocolName { get; init; }
    /// <summary>The leader's member id.</summary>
    public string LeaderId { get; init; } = "";
    /// <summary>The member's id (assigned by the coordinator for a new member).</summary>
    public required string MemberId { get; init; }
    /// <summary>True when the leader must not compute a new assignment (KIP-814).</summary>
    public bool SkipAssignment { get; init; }
    /// <summary>Every member with its metadata for the leader, empty for followers.</summary>
    public IReadOnlyList<JoinedMember> Members { get; init; } = [];

    /// <summary>A failed join.</summary>
    public static JoinGroupResult Failure(ErrorCode error, string memberId) => new() { Error = error, MemberId = memberId };
}
