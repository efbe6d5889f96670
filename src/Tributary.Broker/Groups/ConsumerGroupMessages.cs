using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>A ConsumerGroupHeartbeat request in domain terms; null fields did not change since the last heartbeat.</summary>
internal sealed record ConsumerGroupHeartbeatCommand
{
    /// <summary>Member epoch 0: join (or rejoin after being fenced).</summary>
    public const int JoinEpoch = 0;
    /// <summary>Member epoch -1: leave the group.</summary>
    public const int LeaveEpoch = -1;
    /// <summary>Member epoch -2: a static member leaves for now and keeps its partitions for its session timeout.</summary>
    public const int StaticLeaveEpoch = -2;

    /// <summary>The group.</summary>
    public required string GroupId { get; init; }
    /// <summary>The member id; v0 clients may send "" when joining and get one from the coordinator.</summary>
    public required string MemberId { get; init; }
    /// <summary>The member epoch the client believes current, or one of the join/leave epochs.</summary>
    public required int MemberEpoch { get; init; }
    /// <summary>The static instance id, or null.</summary>
    public string? InstanceId { get; init; }
    /// <summary>The rack id, or null.</summary>
    public string? RackId { get; init; }
    /// <summary>The rebalance timeout, or null when unchanged.</summary>
    public TimeSpan? RebalanceTimeout { get; init; }
    /// <summary>The subscribed topic names, or null when unchanged.</summary>
    public IReadOnlyList<string>? SubscribedTopicNames { get; init; }
    /// <summary>The subscribed regular expression (v1), or null when unchanged.</summary>
    public string? SubscribedTopicRegex { get; init; }
    /// <summary>The server-side assignor the member wants, or null when unchanged.</summary>
    public string? ServerAssignor { get; init; }
    /// <summary>The partitions the member owns, or null when unchanged.</summary>
    public IReadOnlySet<TopicIdPartition>? OwnedPartitions { get; init; }
    /// <summary>The client id of the connection.</summary>
    public string ClientId { get; init; } = "";
    /// <summary>The client's address.</summary>
    public string ClientHost { get; init; } = "";
    /// <summary>Whether the request version lets the client choose its member id (v1, KIP-1082).</summary>
    public bool ClientGeneratesMemberId { get; init; } = true;
}

/// <summary>The answer to a ConsumerGroupHeartbeat.</summary>
internal sealed record ConsumerGroupHeartbeatResult
{
    /// <summary>The error, or <see cref="ErrorCode.None"/>.</summary>
    public required ErrorCode Error { get; init; }
    /// <summary>A message for errors that need one.</summary>
    public string? ErrorMessage { get; init; }
    /// <summary>The member id.</summary>
    public string? MemberId { get; init; }
    /// <summary>The member epoch.</summary>
    public int MemberEpoch { get; init; }
    /// <summary>How often the member should heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; init; }
    /// <summary>The member's assignment, or null when it did not change.</summary>
    public IReadOnlySet<TopicIdPartition>? Assignment { get; init; }

    /// <summary>A failed heartbeat.</summary>
    public static ConsumerGroupHeartbeatResult Failure(ErrorCode error, string? message = null) => new() { Error = error, ErrorMessage = message };
}

/// <summary>A partition set as ConsumerGroupDescribe shows it, with topic names.</summary>
/// <param name="TopicId">The topic id.</param>
/// <param name="TopicName">The topic name ("" when the topic is gone).</param>
/// <param name="Partitions">The partitions.</param>
internal sealed record DescribedTopicPartitions(Guid TopicId, string TopicName, IReadOnlyList<int> Partitions);

/// <summary>A member as ConsumerGroupDescribe shows it.</summary>
internal sealed record ConsumerGroupMemberDescription(
    string MemberId, string? InstanceId, string? RackId, int MemberEpoch, string ClientId, string ClientHost,
    IReadOnlyList<string> SubscribedTopicNames, string? SubscribedTopicRegex,
    IReadOnlyList<DescribedTopicPartitions> Assignment, IReadOnlyList<DescribedTopicPartitions> TargetAssignment);

/// <summary>A group as ConsumerGroupDescribe shows it.</summary>
internal sealed record ConsumerGroupDescription(
    string GroupId, ErrorCode Error, string? ErrorMessage, string State, int GroupEpoch, int AssignmentEpoch, string AssignorName,
    IReadOnlyList<ConsumerGroupMemberDescription> Members);
