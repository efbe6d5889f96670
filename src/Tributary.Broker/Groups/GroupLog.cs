using Microsoft.Extensions.Logging;
using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>The group coordinator's log events.</summary>
internal static partial class GroupLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} (generation {GenerationId}) is rebalancing: {Reason}")]
    public static partial void RebalanceStarted(ILogger logger, string groupId, int generationId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} joined generation {GenerationId} with protocol {ProtocolName}, leader {LeaderId}, {MemberCount} members")]
    public static partial void JoinCompleted(ILogger logger, string groupId, int generationId, string protocolName, string leaderId, int memberCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} is stable in generation {GenerationId}")]
    public static partial void GroupStable(ILogger logger, string groupId, int generationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} is empty in generation {GenerationId}")]
    public static partial void GroupEmptied(ILogger logger, string groupId, int generationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} removed member {MemberId}: {Reason}")]
    public static partial void MemberRemoved(ILogger logger, string groupId, string memberId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} bumped its group epoch to {GroupEpoch}: {Reason}")]
    public static partial void GroupEpochBumped(ILogger logger, string groupId, int groupEpoch, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} computed the target assignment of epoch {AssignmentEpoch} with assignor {Assignor} for {MemberCount} members and {TopicCount} topics")]
    public static partial void TargetAssignmentComputed(ILogger logger, string groupId, int assignmentEpoch, string assignor, int memberCount, int topicCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId}: static member {InstanceId} left for now (member {MemberId}); it keeps its partitions for its session timeout")]
    public static partial void StaticMemberLeft(ILogger logger, string groupId, string instanceId, string memberId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId}: static member {InstanceId} came back as {NewMemberId}, replacing {OldMemberId}")]
    public static partial void StaticMemberReplaced(ILogger logger, string groupId, string instanceId, string oldMemberId, string newMemberId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} converted from {From} to {To}: {Reason}")]
    public static partial void GroupConverted(ILogger logger, string groupId, string from, string to, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded partition {Partition} of __consumer_offsets on broker {BrokerId} (leader epoch {LeaderEpoch}): {GroupCount} groups")]
    public static partial void PartitionLoaded(ILogger logger, int partition, int brokerId, int leaderEpoch, int groupCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} was deleted")]
    public static partial void GroupDeleted(ILogger logger, string groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId}: {Count} committed offsets expired")]
    public static partial void OffsetsExpired(ILogger logger, string groupId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {GroupId}: expired offsets could not be removed from __consumer_offsets ({Error}); the next check tries again")]
    public static partial void ExpiryWriteFailed(ILogger logger, string groupId, ErrorCode error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {GroupId}: its metadata records could not be written to __consumer_offsets ({Error}); a coordinator loading the partition now would not know this change")]
    public static partial void MetadataWriteFailed(ILogger logger, string groupId, ErrorCode error);
}
