namespace Tributary.Broker.Groups;

/// <summary>The states of a classic group, named as Kafka names them in DescribeGroups and ListGroups.</summary>
internal enum GroupState
{
    /// <summary>No members; the group may still hold committed offsets.</summary>
    Empty,
    /// <summary>A rebalance started: members must (re)join before it completes.</summary>
    PreparingRebalance,
    /// <summary>Every member joined; the group waits for the leader's assignment in SyncGroup.</summary>
    CompletingRebalance,
    /// <summary>Assignments are handed out; members heartbeat.</summary>
    Stable,
    /// <summary>The group was deleted.</summary>
    Dead,
}
