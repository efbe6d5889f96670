using Microsoft.Extensions.Logging;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} was deleted")]
    public static partial void GroupDeleted(ILogger logger, string groupId);
}
