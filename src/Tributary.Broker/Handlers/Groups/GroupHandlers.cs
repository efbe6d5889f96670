namespace Tributary.Broker.Handlers.Groups;

/// <summary>The handlers of the group APIs, for the broker's handler registry.</summary>
internal static class GroupHandlers
{
    /// <summary>JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups and OffsetDelete.</summary>
    public static IEnumerable<IApiHandler> All { get; } =
    [
        new JoinGroupHandler(),
        new SyncGroupHandler(),
        new HeartbeatHandler(),
        new LeaveGroupHandler(),
        new OffsetCommitHandler(),
        new OffsetFetchHandler(),
        new DescribeGroupsHandler(),
        new ListGroupsHandler(),
        new DeleteGroupsHandler(),
        new OffsetDeleteHandler(),
    ];
}
