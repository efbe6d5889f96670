using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>A SyncGroup request in domain terms.</summary>
internal sealed record SyncGroupCommand
{
    /// <summary>The group.</summary>
    public required string GroupId { get; init; }
    /// <summary>The generation the member joined.</summary>
    public required int GenerationId { get; init; }
    /// <summary>The member id.</summary>
    public required string MemberId { get; init; }
    /// <summary>The static instance id, if any.</summary>
    public string? GroupInstanceId { get; init; }
    /// <summary>The protocol type the member expects (v5+), or null to skip the check.</summary>
    public string? ProtocolType { get; init; }
    /// <summary>The protocol name the member expects (v5+), or null to skip the check.</summary>
    public string? ProtocolName { get; init; }
    /// <summary>The leader's assignment per member id; empty for followers.</summary>
    public IReadOnlyDictionary<string, byte[]> Assignments { get; init; } = new Dictionary<string, byte[]>();
}

/// <summary>The answer to a SyncGroup.</summary>
/// <param name="Error">The error, or <see cref="ErrorCode.None"/>.</param>
/// <param name="ProtocolType">The group's protocol type.</param>
/// <param name="ProtocolName">The generation's protocol.</param>
/// <param name="Assignment">The member's assignment, empty on error.</param>
internal sealed record SyncGroupResult(ErrorCode Error, string? ProtocolType, string? ProtocolName, byte[] Assignment)
{
    /// <summary>A failed sync.</summary>
    public static SyncGroupResult Failure(ErrorCode error) => new(error, null, null, []);
}
