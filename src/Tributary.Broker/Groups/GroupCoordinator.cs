using Microsoft.Extensions.Logging;
using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// The cluster's coordinator of classic consumer groups: membership, rebalances and committed offsets.
/// One instance serves every broker, so groups survive a broker stop. All state sits behind one lock;
/// answers to waiting JoinGroup and SyncGroup requests are delivered after it is released. Session,
/// rebalance and initial-delay timeouts run on the injected <see cref="TimeProvider"/>.
/// </summary>
internal sealed class GroupCoordinator : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
    private readonly GroupCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _disposed;

    /// <summary>Creates a coordinator without groups.</summary>
    public GroupCoordinator(GroupCoordinatorOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>JoinGroup: completes when the member is in the next generation, or at once on error or a no-op rejoin.</summary>
    public Task<JoinGroupResult> JoinGroupAsync(JoinGroupCommand join, CancellationToken cancellationToken)
    {
        if (join.GroupId.Length == 0)
            return Task.FromResult(JoinGroupResult.Failure(ErrorCode.InvalidGroupId, join.MemberId));
        if (join.SessionTimeout < _options.MinSessionTimeout || join.SessionTimeout > _options.MaxSessionTimeout)
            return Task.FromResult(JoinGroupResult.Failure(ErrorCode.InvalidSessionTimeout, join.MemberId));
        // Only a member without id may create a group; a known member id in an unknown group is stale.
        // A cancelled wait abandons only the answer: the member stays in the rebalance, as in Kafka.
        return Apply(join.GroupId, create: join.MemberId.Length == 0,
                (group, now, done) => group.Join(join, now, done),
                () => Task.FromResult(JoinGroupResult.Failure(ErrorCode.UnknownMemberId, join.MemberId)))
            .WaitAsync(cancellationToken);
    }

    /// <summary>SyncGroup: the leader hands out the assignment; followers wait for it.</summary>
    public Task<SyncGroupResult> SyncGroupAsync(SyncGroupCommand sync, CancellationToken cancellationToken)
    {
        if (sync.GroupId.Length == 0)
            return Task.FromResult(SyncGroupResult.Failure(ErrorCode.InvalidGroupId));
        return Apply(sync.GroupId, create: false,
                (group, now, done) => group.Sync(sync, now, done),
                () => Task.FromResult(SyncGroupResult.Failure(ErrorCode.UnknownMemberId)))
            .WaitAsync(cancellationToken);
    }

    /// <summary>Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.</summary>
    public ErrorCode Heartbeat(HeartbeatCommand heartbeat)
    {
        if (heartbeat.GroupId.Length == 0)
            return ErrorCode.InvalidGroupId;
        return Apply(heartbeat.GroupId, create: false,
            (group, now, _) => group.Heartbeat(heartbeat, now),
            () => ErrorCode.UnknownMemberId);
    }

    /// <summary>LeaveGroup for one or more members.</summary>
    public LeaveGroupResult LeaveGroup(string groupId, IReadOnlyList<LeavingMember> members)
    {
        if (groupId.Length == 0)
            return new LeaveGroupResult(ErrorCode.InvalidGroupId, []);
        return Apply(groupId, create: false,
            (group, now, done) => group.Leave(members, now, done),
            () => new LeaveGroupResult(ErrorCode.None, members.Select(m => new LeftMember(m.MemberId, m.GroupInstanceId, ErrorCode.UnknownMemberId)).ToList()));
    }

    /// <summary>OffsetCommit: one error per offset, in the command's order.</summary>
    public IReadOnlyList<ErrorCode> CommitOffsets(OffsetCommitCommand commit) =>
        // A commit outside group management (generation -1) may create the group; others need a live group.
        Apply(commit.GroupId, create: commit.GenerationId < 0,
            (group, now, _) => group.CommitOffsets(commit, now),
            () => commit.Offsets.Select(_ => ErrorCode.IllegalGeneration).ToList());

    /// <summary>
    /// TxnOffsetCommit: stages offsets for <paramref name="producerId"/>'s transaction (creating the group, as
    /// Kafka does); one error per offset, in the command's order.
    /// </summary>
    public IReadOnlyList<ErrorCode> CommitTransactionalOffsets(OffsetCommitCommand commit, long producerId) =>
        Apply(commit.GroupId, create: true,
            (group, now, _) => group.CommitTransactionalOffsets(commit, producerId, now),
            () => commit.Offsets.Select(_ => ErrorCode.CoordinatorNotAvailable).ToList());

    /// <summary>The transaction marker for a group: <paramref name="producerId"/>'s staged offsets become visible, or are dropped.</summary>
    public void CompleteTransactionalOffsets(string groupId, long producerId, bool commit) =>
        Apply(groupId, create: false,
            (group, _, _) =>
            {
                group.CompleteTransactionalOffsets(producerId, commit);
                return true;
            },
            () => false);

    /// <summary>OffsetFetch: the committed offsets of <paramref name="partitions"/>, or of every partition when null (-1 when none).</summary>
    public IReadOnlyList<FetchedOffset> FetchOffsets(string groupId, IReadOnlyList<OffsetKey>? partitions, bool requireStable) =>
        Apply(groupId, create: false,
            (group, _, _) => group.FetchOffsets(partitions, requireStable),
            () => partitions?.Select(key => ClassicGroup.NoOffset(key, ErrorCode.None)).ToList() ?? []);

    /// <summary>OffsetDelete: removes committed offsets of partitions the group no longer consumes.</summary>
    public OffsetDeleteResult DeleteOffsets(string groupId, IReadOnlyList<OffsetKey> partitions) =>
        Apply(groupId, create: false,
            (group, _, _) => group.DeleteOffsets(partitions),
            () => new OffsetDeleteResult(ErrorCode.GroupIdNotFound, []));

    /// <summary>DescribeGroups: an unknown group is described as "Dead" without members, as Kafka does.</summary>
    public IReadOnlyList<GroupDescription> DescribeGroups(IReadOnlyList<string> groupIds)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return groupIds
                .Select(id => _groups.TryGetValue(id, out var group)
                    ? group.Describe()
                    : new GroupDescription(id, ErrorCode.None, nameof(GroupState.Dead), "", "", []))
                .ToList();
        }
    }

    /// <summary>ListGroups, optionally filtered by state names and group types (both case-insensitive; empty = all).</summary>
    public IReadOnlyList<GroupListing> ListGroups(IReadOnlyCollection<string>? states = null, IReadOnlyCollection<string>? types = null)
    {
        bool Wanted(IReadOnlyCollection<string>? filter, string value) =>
            filter is not { Count: > 0 } || filter.Contains(value, StringComparer.OrdinalIgnoreCase);

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _groups.Values
                .Select(group => group.Listing())
                .Where(listing => Wanted(states, listing.State) && Wanted(types, listing.GroupType))
                .OrderBy(listing => listing.GroupId, StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>DeleteGroups: only groups without members can go; their offsets go with them.</summary>
    public IReadOnlyList<(string GroupId, ErrorCode Error)> DeleteGroups(IReadOnlyList<string> groupIds)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return groupIds.Select(id => (id, DeleteGroup(id))).ToList();
        }
    }

    /// <summary>Stops every timer and answers waiting requests with COORDINATOR_NOT_AVAILABLE.</summary>
    public void Dispose()
    {
        var done = new DeferredCompletions();
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            foreach (var group in _groups.Values)
            {
                group.AbortWaiters(ErrorCode.CoordinatorNotAvailable, done);
                group.DeadlineTimer?.Dispose();
            }
        }
        done.Run();
    }

    private ErrorCode DeleteGroup(string groupId)
    {
        if (groupId.Length == 0)
            return ErrorCode.InvalidGroupId;
        if (!_groups.TryGetValue(groupId, out var group))
            return ErrorCode.GroupIdNotFound;
        var error = group.Delete();
        if (error == ErrorCode.None)
        {
            _groups.Remove(groupId);
            group.DeadlineTimer?.Dispose();
            GroupLog.GroupDeleted(_logger, groupId);
        }
        return error;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the group under the lock, applies the deadlines it moved, re-arms the
    /// group's timer, then delivers the answers it released. <paramref name="whenMissing"/> answers for a group
    /// that does not exist and may not be created.
    /// </summary>
    private T Apply<T>(string groupId, bool create, Func<ClassicGroup, DateTimeOffset, DeferredCompletions, T> action, Func<T> whenMissing)
    {
        var done = new DeferredCompletions();
        T result;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_groups.TryGetValue(groupId, out var group))
            {
                if (!create)
                    return whenMissing();
                group = new ClassicGroup(groupId, _options, _logger);
                _groups.Add(groupId, group);
            }
            var now = _time.GetUtcNow();
            result = action(group, now, done);
            group.Reconcile(now, done);
            ArmTimer(group, now);
        }
        done.Run();
        return result;
    }

    private void OnDeadline(object? state)
    {
        var group = (ClassicGroup)state!;
        var done = new DeferredCompletions();
        lock (_lock)
        {
            // A deleted group's timer may fire once more before its disposal takes effect.
            if (_disposed || _groups.GetValueOrDefault(group.GroupId) != group)
                return;
            var now = _time.GetUtcNow();
            group.Reconcile(now, done);
            ArmTimer(group, now);
        }
        done.Run();
    }

    private void ArmTimer(ClassicGroup group, DateTimeOffset now)
    {
        if (group.NextDeadline() is not { } deadline)
        {
            group.DeadlineTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var due = deadline > now ? deadline - now : TimeSpan.Zero;
        if (group.DeadlineTimer is null)
            group.DeadlineTimer = _time.CreateTimer(OnDeadline, group, due, Timeout.InfiniteTimeSpan);
        else
            group.DeadlineTimer.Change(due, Timeout.InfiniteTimeSpan);
    }
}
