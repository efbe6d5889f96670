using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;
using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>
/// The cluster's group coordinator: classic groups (JoinGroup/SyncGroup) and consumer groups of the new protocol
/// (KIP-848, ConsumerGroupHeartbeat) side by side, their membership, rebalances and committed offsets. A group
/// changes type when the other protocol's first member arrives and it is empty, or online while members upgrade
/// (see <see cref="GroupConversion"/>). Every change is written to the group's partition of <c>__consumer_offsets</c>
/// (<see cref="OffsetsLog"/>); the broker leading that partition serves the group, and a broker that becomes its
/// leader rebuilds the partition's groups from its replica of the log (<see cref="Load"/>), dropping what was held
/// for it before. All state sits behind one lock; answers to waiting JoinGroup and SyncGroup requests are delivered
/// after it is released. Session, rebalance and initial-delay timeouts run on the injected <see cref="TimeProvider"/>.
/// Without an <see cref="OffsetsLog"/> (unit tests) groups live in memory only.
/// </summary>
internal sealed class GroupCoordinator : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly GroupCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyCollection<TopicMetadata>> _topics;
    private readonly OffsetsLog? _log;
    private readonly ITimer _expiryTimer;
    private bool _disposed;

    /// <summary>
    /// Creates a coordinator without groups; <paramref name="topics"/> tells consumer groups which topics exist, and
    /// <paramref name="log"/> is where groups and offsets are written (none: in memory only).
    /// </summary>
    public GroupCoordinator(GroupCoordinatorOptions options, TimeProvider time, ILogger logger, Func<IReadOnlyCollection<TopicMetadata>>? topics = null,
        OffsetsLog? log = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _topics = topics ?? (() => []);
        _log = log;
        _expiryTimer = time.CreateTimer(_ => ExpireOffsets(), null, options.OffsetsRetentionCheckInterval, options.OffsetsRetentionCheckInterval);
    }

    /// <summary>
    /// Waits until the in-sync replicas of the group's <c>__consumer_offsets</c> partition hold what was written for it
    /// (acks=all, as Kafka answers a commit): NONE, or NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE.
    /// </summary>
    public Task<ErrorCode> WaitReplicatedAsync(string groupId, CancellationToken cancellationToken) =>
        _log?.WaitReplicatedAsync(groupId, cancellationToken) ?? Task.FromResult(ErrorCode.None);

    /// <summary>
    /// Loads partition <paramref name="partition"/> of <c>__consumer_offsets</c> for its new leadership: the groups
    /// held for it are dropped (their waiting requests get NOT_COORDINATOR) and rebuilt from the leader's replica of
    /// the log, with their committed offsets, open transactions' offsets, a classic group's last stable generation
    /// with its members, and a consumer group's epochs, members and assignments (its members go on at their epoch).
    /// </summary>
    /// <param name="partition">The partition.</param>
    /// <param name="leadership">The leadership it is loaded for.</param>
    /// <param name="partitions">How many partitions <c>__consumer_offsets</c> has (which groups the partition holds).</param>
    public void Load(PartitionState partition, PartitionLeadership leadership, int partitions)
    {
        var loaded = OffsetsLog.Replay(InternalTopicLog.Replay(partition.ReplicaLog(leadership.Leader)));
        var done = new DeferredCompletions();
        lock (_lock)
        {
            if (_disposed) return;
            foreach (var group in _groups.Values.Where(g => CoordinatorPlacement.PartitionFor(g.GroupId, partitions) == partition.Index).ToList())
            {
                group.AbortWaiters(ErrorCode.NotCoordinator, done);
                group.DeadlineTimer?.Dispose();
                _groups.Remove(group.GroupId);
            }
            var now = _time.GetUtcNow();
            foreach (var state in loaded.Values.Where(g => g.Exists))
            {
                Group group = state.Consumer is { } consumer ? Restored(new ConsumerGroup(state.GroupId, _options, _logger), g => g.Restore(consumer, now))
                    : Restored(NewClassicGroup(state.GroupId), g => { if (state.Classic is { } classic) g.Restore(classic, now); });
                group.Offsets.Restore(state);
                _groups[state.GroupId] = group;
                ArmTimer(group, now);
            }
        }
        done.Run();
        GroupLog.PartitionLoaded(_logger, partition.Index, leadership.Leader, leadership.LeaderEpoch, loaded.Values.Count(g => g.Exists));

        static TGroup Restored<TGroup>(TGroup group, Action<TGroup> restore)
        {
            restore(group);
            return group;
        }
    }

    /// <summary>
    /// JoinGroup: completes when the member is in the next generation, or at once on error or a no-op rejoin.
    /// In a consumer group (an online upgrade in progress) the classic member is answered at once.
    /// </summary>
    public Task<JoinGroupResult> JoinGroupAsync(JoinGroupCommand join, CancellationToken cancellationToken)
    {
        if (join.GroupId.Length == 0)
            return Task.FromResult(JoinGroupResult.Failure(ErrorCode.InvalidGroupId, join.MemberId));
        if (join.SessionTimeout < _options.MinSessionTimeout || join.SessionTimeout > _options.MaxSessionTimeout)
            return Task.FromResult(JoinGroupResult.Failure(ErrorCode.InvalidSessionTimeout, join.MemberId));
        // Only a member without id may create a group; a known member id in an unknown group is stale.
        // A cancelled wait abandons only the answer: the member stays in the rebalance, as in Kafka.
        return ApplyClassic(join.GroupId, create: join.MemberId.Length == 0,
                (group, now, done) => group.Join(join, now, done),
                (group, now) => Task.FromResult(group.ClassicJoin(join, _topics(), now)),
                () => Task.FromResult(JoinGroupResult.Failure(ErrorCode.UnknownMemberId, join.MemberId)))
            .WaitAsync(cancellationToken);
    }

    /// <summary>
    /// SyncGroup: the leader hands out the assignment; followers wait for it. The generation is written to the group's
    /// partition of <c>__consumer_offsets</c> and answered once the in-sync replicas hold it, as Kafka answers after
    /// storing the group; a generation that cannot be stored answers the error Kafka maps the write's error to
    /// (<see cref="InternalTopicLog.CoordinatorError"/>) and the group rebalances.
    /// </summary>
    public async Task<SyncGroupResult> SyncGroupAsync(SyncGroupCommand sync, CancellationToken cancellationToken)
    {
        if (sync.GroupId.Length == 0)
            return SyncGroupResult.Failure(ErrorCode.InvalidGroupId);
        var result = await ApplyClassic(sync.GroupId, create: false,
                (group, now, done) => group.Sync(sync, now, done),
                (group, now) => Task.FromResult(group.ClassicSync(sync, _topics(), now)),
                () => Task.FromResult(SyncGroupResult.Failure(ErrorCode.UnknownMemberId)))
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        if (result.Error != ErrorCode.None)
            return result;
        var replicated = await WaitReplicatedAsync(sync.GroupId, cancellationToken).ConfigureAwait(false);
        if (replicated == ErrorCode.None)
            return result;
        // The generation may be lost with the partition's leader: the members must rebalance, as in Kafka.
        Apply(sync.GroupId, create: false, newGroup: null,
            (group, now, done) =>
            {
                if (group is ClassicGroup { State: GroupState.Stable } classic && classic.GenerationId == sync.GenerationId)
                    classic.StoreFailed(replicated, now, done);
                return 0;
            },
            () => 0);
        return SyncGroupResult.Failure(replicated);
    }

    /// <summary>Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.</summary>
    public ErrorCode Heartbeat(HeartbeatCommand heartbeat)
    {
        if (heartbeat.GroupId.Length == 0)
            return ErrorCode.InvalidGroupId;
        return ApplyClassic(heartbeat.GroupId, create: false,
            (group, now, _) => group.Heartbeat(heartbeat, now),
            (group, now) => group.ClassicHeartbeat(heartbeat, now),
            () => ErrorCode.UnknownMemberId);
    }

    /// <summary>LeaveGroup for one or more members.</summary>
    public LeaveGroupResult LeaveGroup(string groupId, IReadOnlyList<LeavingMember> members)
    {
        if (groupId.Length == 0)
            return new LeaveGroupResult(ErrorCode.InvalidGroupId, []);
        return ApplyClassic(groupId, create: false,
            (group, now, done) => group.Leave(members, now, done),
            (group, _) => group.ClassicLeave(members),
            () => new LeaveGroupResult(ErrorCode.None, members.Select(m => new LeftMember(m.MemberId, m.GroupInstanceId, ErrorCode.UnknownMemberId)).ToList()));
    }

    /// <summary>
    /// ConsumerGroupHeartbeat (KIP-848). Epoch 0 may create the group, turn an empty classic group into a
    /// consumer group, or start the online upgrade of a classic group of consumers; any other epoch needs the
    /// consumer group to exist.
    /// </summary>
    public ConsumerGroupHeartbeatResult ConsumerGroupHeartbeat(ConsumerGroupHeartbeatCommand heartbeat)
    {
        var (error, message) = ConsumerGroupHeartbeatValidation.Check(heartbeat, _options.ConsumerAssignors);
        if (error != ErrorCode.None)
            return ConsumerGroupHeartbeatResult.Failure(error, message);
        var join = heartbeat.MemberEpoch == ConsumerGroupHeartbeatCommand.JoinEpoch;
        return Apply(heartbeat.GroupId, create: join, newGroup: () => new ConsumerGroup(heartbeat.GroupId, _options, _logger),
            (group, now, done) =>
            {
                var topics = _topics();
                return group switch
                {
                    ConsumerGroup consumer => consumer.Heartbeat(heartbeat, topics, now),
                    ClassicGroup classic when join && GroupConversion.TryUpgrade(classic, _options, _logger, topics, now, done) is { } upgraded
                        => Replace(classic, upgraded).Heartbeat(heartbeat, topics, now),
                    _ => ConsumerGroupHeartbeatResult.Failure(ErrorCode.GroupIdNotFound, $"Group {heartbeat.GroupId} is not a consumer group."),
                };
            },
            () => ConsumerGroupHeartbeatResult.Failure(ErrorCode.GroupIdNotFound, $"Group {heartbeat.GroupId} not found."),
            // The change is not in the log: the member retries, as Kafka answers a heartbeat whose records failed.
            (_, error) => ConsumerGroupHeartbeatResult.Failure(error));
    }

    /// <summary>ConsumerGroupDescribe: unknown and classic groups are GROUP_ID_NOT_FOUND, as in Kafka (admin clients then try DescribeGroups).</summary>
    public IReadOnlyList<ConsumerGroupDescription> DescribeConsumerGroups(IReadOnlyList<string> groupIds)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var topics = _topics();
            return groupIds.Select(id => _groups.GetValueOrDefault(id) switch
            {
                ConsumerGroup consumer => consumer.DescribeConsumerGroup(topics),
                null => NotAConsumerGroup(id, $"Group {id} not found."),
                _ => NotAConsumerGroup(id, $"Group {id} is not a consumer group."),
            }).ToList();
        }

        static ConsumerGroupDescription NotAConsumerGroup(string id, string message) =>
            new(id, ErrorCode.GroupIdNotFound, message, "Dead", 0, 0, "", []);
    }

    /// <summary>OffsetCommit: one error per offset, in the command's order.</summary>
    public IReadOnlyList<ErrorCode> CommitOffsets(OffsetCommitCommand commit) =>
        // A commit outside group management (generation -1) may create the group; others need a live group.
        Apply(commit.GroupId, create: commit.GenerationId < 0, newGroup: () => NewClassicGroup(commit.GroupId),
            (group, now, _) => WriteOffsets(commit, group.CommitOffsets(commit, now), now),
            () => commit.Offsets.Select(_ => ErrorCode.IllegalGeneration).ToList());

    /// <summary>
    /// TxnOffsetCommit: stages offsets for <paramref name="producerId"/>'s transaction (creating the group, as
    /// Kafka does), written as the producer's transactional records; one error per offset, in the command's order.
    /// </summary>
    public IReadOnlyList<ErrorCode> CommitTransactionalOffsets(OffsetCommitCommand commit, long producerId, short producerEpoch) =>
        Apply(commit.GroupId, create: true, newGroup: () => NewClassicGroup(commit.GroupId),
            (group, now, _) => WriteOffsets(commit, group.CommitTransactionalOffsets(commit, producerId, now), now, producerId, producerEpoch),
            () => commit.Offsets.Select(_ => ErrorCode.CoordinatorNotAvailable).ToList());

    /// <summary>Writes the offsets stored without error to the group's partition; a failed write fails them all.</summary>
    private IReadOnlyList<ErrorCode> WriteOffsets(OffsetCommitCommand commit, IReadOnlyList<ErrorCode> errors, DateTimeOffset now, long producerId = -1, short producerEpoch = -1)
    {
        if (_log is null) return errors;
        var records = commit.Offsets.Where((_, i) => errors[i] == ErrorCode.None)
            .Select(o => OffsetsLog.Offset(commit.GroupId, o.Key, new CommittedOffset(o.Offset, o.LeaderEpoch, o.Metadata ?? "", o.CommitTimestamp ?? now)))
            .ToList();
        var error = _log.Write(commit.GroupId, records, producerId, producerEpoch);
        return error == ErrorCode.None ? errors : errors.Select(e => e == ErrorCode.None ? error : e).ToList();
    }

    /// <summary>
    /// A transaction marker reached partition <paramref name="partition"/> of <c>__consumer_offsets</c> (out of
    /// <paramref name="partitions"/>): the offsets <paramref name="producerId"/> staged in that partition's groups become
    /// visible, or are dropped, as Kafka's coordinator completes them at the marker.
    /// </summary>
    public void CompleteTransactionalOffsets(int partition, int partitions, long producerId, bool commit)
    {
        lock (_lock)
        {
            if (_disposed) return;
            foreach (var group in _groups.Values.Where(g => CoordinatorPlacement.PartitionFor(g.GroupId, partitions) == partition))
                group.Offsets.Complete(producerId, commit);
        }
    }

    /// <summary>OffsetFetch: the committed offsets of <paramref name="partitions"/>, or of every partition when null (-1 when none).</summary>
    public IReadOnlyList<FetchedOffset> FetchOffsets(string groupId, IReadOnlyList<OffsetKey>? partitions, bool requireStable) =>
        Apply(groupId, create: false, newGroup: null,
            (group, _, _) => group.Offsets.Fetch(partitions, requireStable),
            () => partitions?.Select(key => GroupOffsets.NoOffset(key, ErrorCode.None)).ToList() ?? []);

    /// <summary>
    /// OffsetFetch v9's member check: a consumer group answers UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH for a
    /// member that is gone or behind; classic and unknown groups check nothing.
    /// </summary>
    public ErrorCode CheckOffsetFetchMember(string groupId, string? memberId, int memberEpoch) =>
        Apply(groupId, create: false, newGroup: null,
            (group, _, _) => group.CheckOffsetFetch(memberId, memberEpoch),
            () => ErrorCode.None);

    /// <summary>OffsetDelete: removes committed offsets of partitions the group no longer consumes.</summary>
    public OffsetDeleteResult DeleteOffsets(string groupId, IReadOnlyList<OffsetKey> partitions) =>
        Apply(groupId, create: false, newGroup: null,
            (group, _, _) =>
            {
                var result = group.DeleteOffsets(partitions);
                var tombstones = partitions.Where((_, i) => result.Error == ErrorCode.None && result.Partitions[i] == ErrorCode.None)
                    .Select(key => OffsetsLog.OffsetTombstone(groupId, key)).ToList();
                var error = _log?.Write(groupId, tombstones) ?? ErrorCode.None;
                return error == ErrorCode.None ? result : new OffsetDeleteResult(error, []);
            },
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
            _expiryTimer.Dispose();
            foreach (var group in _groups.Values)
            {
                group.AbortWaiters(ErrorCode.CoordinatorNotAvailable, done);
                group.DeadlineTimer?.Dispose();
            }
        }
        done.Run();
    }

    /// <summary>
    /// Kafka's offset expiration (every offsets.retention.check.interval.ms): each group's expired offsets
    /// (<see cref="Group.ExpiredOffsets"/>) get tombstones in <c>__consumer_offsets</c> and are forgotten; then an
    /// empty group left without offsets, and with nothing pending, is deleted with its tombstones.
    /// </summary>
    internal void ExpireOffsets()
    {
        lock (_lock)
        {
            if (_disposed) return;
            var now = _time.GetUtcNow();
            foreach (var group in _groups.Values.ToList())
            {
                var expired = group.ExpiredOffsets(now, _options.OffsetsRetention);
                if (expired.Count > 0)
                {
                    var error = _log?.Write(group.GroupId, expired.Select(key => OffsetsLog.OffsetTombstone(group.GroupId, key)).ToList()) ?? ErrorCode.None;
                    if (error != ErrorCode.None)
                    {
                        GroupLog.ExpiryWriteFailed(_logger, group.GroupId, error);
                        continue;
                    }
                    foreach (var key in expired) group.Offsets.Remove(key);
                    GroupLog.OffsetsExpired(_logger, group.GroupId, expired.Count);
                }
                if (group.IsEmpty && group.Offsets.IsEmpty && group.NextDeadline() is null)
                    DeleteGroup(group.GroupId);
            }
        }
    }

    private ErrorCode DeleteGroup(string groupId)
    {
        if (groupId.Length == 0)
            return ErrorCode.InvalidGroupId;
        if (!_groups.TryGetValue(groupId, out var group))
            return ErrorCode.GroupIdNotFound;
        var offsets = group.Offsets.CommittedKeys.ToList();
        var error = group.Delete();
        if (error == ErrorCode.None)
        {
            _groups.Remove(groupId);
            group.DeadlineTimer?.Dispose();
            GroupLog.GroupDeleted(_logger, groupId);
            // Tombstones for the group and each offset, which compaction then removes.
            error = _log?.Write(groupId, OffsetsLog.GroupTombstones(groupId, offsets)) ?? ErrorCode.None;
        }
        return error;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the group under the lock, applies the deadlines it moved, re-arms the
    /// group's timer, then delivers the answers it released. A missing group is made by <paramref name="newGroup"/>
    /// when <paramref name="create"/>; otherwise <paramref name="whenMissing"/> answers.
    /// </summary>
    private T Apply<T>(string groupId, bool create, Func<Group>? newGroup, Func<Group, DateTimeOffset, DeferredCompletions, T> action, Func<T> whenMissing,
        Func<T, ErrorCode, T>? whenNotWritten = null)
    {
        var done = new DeferredCompletions();
        T result;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var before = Mark(_groups.GetValueOrDefault(groupId));
            if (!_groups.TryGetValue(groupId, out var group))
            {
                if (!create || newGroup is null)
                    return whenMissing();
                group = newGroup();
                _groups.Add(groupId, group);
            }
            var now = _time.GetUtcNow();
            result = action(group, now, done);
            // The action may have replaced the group by one of the other type.
            group = _groups[groupId];
            group.Reconcile(now, done);
            if (GroupConversion.TryDowngrade(group, _options, _logger, _topics(), now, done) is { } downgraded)
                Replace(group, downgraded);
            if (WriteMetadataIfChanged(before, _groups[groupId], now, done) is var error and not ErrorCode.None && whenNotWritten is not null)
                result = whenNotWritten(result, error);
            ArmTimer(_groups[groupId], now);
        }
        done.Run();
        return result;
    }

    /// <summary>
    /// The classic protocol's requests: served by a classic group, or by a consumer group for its classic members
    /// during an online upgrade. A JoinGroup that finds an empty consumer group turns it into a classic group.
    /// </summary>
    private T ApplyClassic<T>(string groupId, bool create, Func<ClassicGroup, DateTimeOffset, DeferredCompletions, T> classic,
        Func<ConsumerGroup, DateTimeOffset, T> inConsumerGroup, Func<T> whenMissing) =>
        Apply(groupId, create, () => NewClassicGroup(groupId),
            (group, now, done) =>
            {
                if (group is ConsumerGroup { IsEmpty: true } empty && create)
                {
                    GroupLog.GroupConverted(_logger, groupId, ConsumerGroup.ConsumerGroupType, ClassicGroup.ClassicGroupType, "a classic member joined the empty group");
                    group = Replace(empty, new ClassicGroup(groupId, _options, _logger, empty.Offsets));
                }
                return group is ConsumerGroup consumer ? inConsumerGroup(consumer, now) : classic((ClassicGroup)group, now, done);
            },
            whenMissing);

    private ClassicGroup NewClassicGroup(string groupId) => new(groupId, _options, _logger);

    /// <summary>Puts <paramref name="replacement"/> in place of <paramref name="group"/>, which stops its timer.</summary>
    private TGroup Replace<TGroup>(Group group, TGroup replacement) where TGroup : Group
    {
        group.DeadlineTimer?.Dispose();
        _groups[group.GroupId] = replacement;
        return replacement;
    }

    private void OnDeadline(object? state)
    {
        var group = (Group)state!;
        var done = new DeferredCompletions();
        lock (_lock)
        {
            // A deleted group's timer may fire once more before its disposal takes effect.
            if (_disposed || _groups.GetValueOrDefault(group.GroupId) != group)
                return;
            var now = _time.GetUtcNow();
            var before = Mark(group);
            group.Reconcile(now, done);
            if (GroupConversion.TryDowngrade(group, _options, _logger, _topics(), now, done) is { } downgraded)
                group = Replace(group, downgraded);
            WriteMetadataIfChanged(before, group, now, done);
            ArmTimer(group, now);
        }
        done.Run();
    }

    /// <summary>
    /// Writes what changed of a group's metadata, as Kafka's coordinator does: a classic group's generation once the
    /// leader's assignment is in or the group is empty, and the records of a consumer group that differ from before
    /// (<see cref="ConsumerGroupRecords"/>), after a tombstone for the classic group's metadata when the group changed
    /// type. Groups that only hold offsets (no protocol type) have none, as in Kafka. A classic group's SyncGroup
    /// waiters get the outcome (<see cref="ClassicGroup.Stored"/>); any other failed write is logged. Returns NONE or the
    /// error the requests that changed the group answer (Kafka's mapping, <see cref="InternalTopicLog.CoordinatorError"/>).
    /// </summary>
    private ErrorCode WriteMetadataIfChanged(MetadataMark before, Group after, DateTimeOffset now, DeferredCompletions done)
    {
        var records = new List<InternalRecordData>();
        if (_log is not null)
        {
            if (before.Group is ClassicGroup && after is ConsumerGroup)
                records.Add(OffsetsLog.GroupMetadataTombstone(after.GroupId));
            var consumerAfter = ConsumerGroupRecords.None(after.GroupId);
            if (after is ConsumerGroup consumer)
                consumer.LastRecords = consumerAfter = ConsumerGroupRecords.Of(consumer);
            records.AddRange(consumerAfter.ChangesSince(before.Records ?? ConsumerGroupRecords.None(after.GroupId)));
            if (after is ClassicGroup { ProtocolType: not null, State: GroupState.Stable or GroupState.Empty } classic
                && (before.Group != classic || before.Generation != classic.GenerationId || before.State != classic.State))
            {
                records.Add(OffsetsLog.GroupMetadata(classic, now));
            }
        }
        var error = _log?.Write(after.GroupId, records) ?? ErrorCode.None;
        if (after is ClassicGroup { AwaitsStore: true } storing)
            storing.Stored(error, now, done);
        else if (error != ErrorCode.None)
            GroupLog.MetadataWriteFailed(_logger, after.GroupId, error);
        return error;
    }

    /// <summary>The group as its metadata was before a change: a classic group's generation and state, a consumer group's records (only with a log).</summary>
    private MetadataMark Mark(Group? group) => group switch
    {
        ClassicGroup classic => new(classic, classic.GenerationId, classic.State, null),
        ConsumerGroup consumer => new(consumer, consumer.GroupEpoch, null, _log is null ? null : consumer.LastRecords ?? ConsumerGroupRecords.Of(consumer)),
        _ => default,
    };

    /// <summary>What a group's metadata records depend on.</summary>
    private readonly record struct MetadataMark(Group? Group, int Generation, GroupState? State, ConsumerGroupRecords? Records);

    private void ArmTimer(Group group, DateTimeOffset now)
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
