using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>A member as DescribeGroups shows it.</summary>
/// <param name="MemberId">The member id.</param>
/// <param name="GroupInstanceId">The static instance id, if any.</param>
/// <param name="ClientId">The client id.</param>
/// <param name="ClientHost">The client's address.</param>
/// <param name="Metadata">The metadata for the current protocol (empty unless the group is stable).</param>
/// <param name="Assignment">The member's assignment (empty unless the group is stable).</param>
internal sealed record MemberDescription(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost, byte[] Metadata, byte[] Assignment);

/// <summary>A group as DescribeGroups shows it.</summary>
/// <param name="GroupId">The group id.</param>
/// <param name="Error">The error, or <see cref="ErrorCode.None"/>.</param>
/// <param name="State">The state name ("Dead" for an unknown group).</param>
/// <param name="ProtocolType">The protocol type, "" when none.</param>
/// <param name="ProtocolName">The current protocol, "" unless the group is stable.</param>
/// <param name="Members">The members.</param>
internal sealed record GroupDescription(string GroupId, ErrorCode Error, string State, string ProtocolType, string ProtocolName, IReadOnlyList<MemberDescription> Members);

/// <summary>A group as ListGroups shows it.</summary>
/// <param name="GroupId">The group id.</param>
/// <param name="ProtocolType">The protocol type, "" for groups that only store offsets.</param>
/// <param name="State">The state name.</param>
/// <param name="GroupType">The group type: always "classic" here.</param>
internal sealed record GroupListing(string GroupId, string ProtocolType, string State, string GroupType);
