using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>A Heartbeat request in domain terms.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="GenerationId">The generation the member believes current.</param>
/// <param name="MemberId">The member id.</param>
/// <param name="GroupInstanceId">The static instance id, if any.</param>
internal sealed record HeartbeatCommand(string GroupId, int GenerationId, string MemberId, string? GroupInstanceId = null);

/// <summary>A member named in a LeaveGroup request: by member id, or by instance id for static members.</summary>
/// <param name="MemberId">The member id, or "" when only the instance id is known.</param>
/// <param name="GroupInstanceId">The static instance id, if any.</param>
internal sealed record LeavingMember(string MemberId, string? GroupInstanceId = null);

/// <summary>The outcome for one leaving member.</summary>
/// <param name="MemberId">The member id as requested.</param>
/// <param name="GroupInstanceId">The instance id as requested.</param>
/// <param name="Error">The error, or <see cref="ErrorCode.None"/>.</param>
internal sealed record LeftMember(string MemberId, string? GroupInstanceId, ErrorCode Error);

/// <summary>The answer to a LeaveGroup.</summary>
/// <param name="Error">A group-level error, or <see cref="ErrorCode.None"/>.</param>
/// <param name="Members">The outcome per member, in request order.</param>
internal sealed record LeaveGroupResult(ErrorCode Error, IReadOnlyList<LeftMember> Members);
