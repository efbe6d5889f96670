namespace Tributary.Broker.Groups;

/// <summary>A member of a classic group, with the JoinGroup or SyncGroup request it may be waiting in.</summary>
internal sealed class GroupMember
{
    /// <summary>Creates a member from its first JoinGroup.</summary>
    public GroupMember(string memberId, JoinGroupCommand join, DateTimeOffset now)
    {
        MemberId = memberId;
        GroupInstanceId = join.GroupInstanceId;
        Update(join, now);
    }

    /// <summary>The member id; a static member gets a new one when its instance rejoins.</summary>
    public string MemberId { get; set; }
    /// <summary>The static instance id, or null for a dynamic member.</summary>
    public string? GroupInstanceId { get; }
    /// <summary>The client id of the member's connection.</summary>
    public string ClientId { get; private set; } = "";
    /// <summary>The client's address.</summary>
    public string ClientHost { get; private set; } = "";
    /// <summary>How long the member lives without heartbeats.</summary>
    public TimeSpan SessionTimeout { get; private set; }
    /// <summary>How long a rebalance waits for this member.</summary>
    public TimeSpan RebalanceTimeout { get; private set; }
    /// <summary>The protocols the member supports, most preferred first.</summary>
    public IReadOnlyList<GroupProtocol> Protocols { get; private set; } = [];
    /// <summary>The member's assignment from the leader of the current generation.</summary>
    public byte[] Assignment { get; set; } = [];
    /// <summary>When the member expires unless it heartbeats (or waits in a join or sync) before then.</summary>
    public DateTimeOffset SessionDeadline { get; private set; }
    /// <summary>The member's JoinGroup waiting for the rebalance to complete, if any.</summary>
    public TaskCompletionSource<JoinGroupResult>? PendingJoin { get; set; }
    /// <summary>The member's SyncGroup waiting for the leader's assignment, if any.</summary>
    public TaskCompletionSource<SyncGroupResult>? PendingSync { get; set; }
    /// <summary>Whether the member's last JoinGroup can be told to skip the assignment (v9+).</summary>
    public bool SupportsSkipAssignment { get; private set; }

    /// <summary>A member that waits in a request cannot heartbeat, so its session does not run out meanwhile.</summary>
    public bool IsWaiting => PendingJoin is not null || PendingSync is not null;

    /// <summary>Takes the client details, timeouts and protocols of a (re)join.</summary>
    public void Update(JoinGroupCommand join, DateTimeOffset now)
    {
        ClientId = join.ClientId;
        ClientHost = join.ClientHost;
        SessionTimeout = join.SessionTimeout;
        RebalanceTimeout = join.RebalanceTimeout;
        Protocols = join.Protocols;
        SupportsSkipAssignment = join.SupportsSkipAssignment;
        Heartbeat(now);
    }

    /// <summary>Restarts the session timer.</summary>
    public void Heartbeat(DateTimeOffset now) => SessionDeadline = now + SessionTimeout;

    /// <summary>The metadata the member sent for <paramref name="protocolName"/>, empty when it has none.</summary>
    public byte[] MetadataFor(string? protocolName) =>
        Protocols.FirstOrDefault(protocol => protocol.Name == protocolName)?.Metadata ?? [];
}
