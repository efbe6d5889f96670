using Tributary.Broker.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Messages.Internal;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Groups;

/// <summary>
/// The group coordinator's records in <c>__consumer_offsets</c>, in Kafka's formats: an OffsetCommitKey (v1) and
/// OffsetCommitValue (v3) per committed offset, a GroupMetadataKey and GroupMetadataValue (v3) per generation of a
/// classic group, the records of a consumer group (KIP-848: its epochs, members, target and current assignments, see
/// <see cref="ConsumerGroupRecords"/>), and tombstones (null values) when offsets, members or groups are deleted. Each goes to the partition of its group through the normal
/// replicated append, and a broker that becomes leader of a partition rebuilds its groups by replaying it
/// (<see cref="Replay"/>). Transactional offsets are written as the producer's transactional records and count at
/// the transaction's marker, as Kafka does.
/// </summary>
internal sealed class OffsetsLog(CoordinatorPlacement placement, TimeProvider time)
{
    /// <summary>
    /// Appends <paramref name="records"/> of group <paramref name="groupId"/> to its partition, as the producer's
    /// transactional records when <paramref name="producerId"/> is set. NOT_COORDINATOR when this coordinator has
    /// not loaded the partition at its current leader epoch (it lost or has not yet loaded it); COORDINATOR_NOT_AVAILABLE
    /// with fewer in-sync replicas than the offsets topic's min.insync.replicas; UNKNOWN_SERVER_ERROR when the records
    /// exceed its max.message.bytes (a group too large to store): Kafka's mapping (<see cref="InternalTopicLog.CoordinatorError"/>).
    /// </summary>
    public ErrorCode Write(string groupId, IReadOnlyList<InternalRecordData> records, long producerId = -1, short producerEpoch = -1)
    {
        if (records.Count == 0) return ErrorCode.None;
        if (placement.PartitionOf(CoordinatorType.Group, groupId, out var topic) is not { } partition) return ErrorCode.CoordinatorNotAvailable;
        var leadership = partition.Leadership;
        if (!placement.IsLoaded(CoordinatorType.Group, partition, leadership)) return ErrorCode.NotCoordinator;
        // Coordinators append with acks=all within the topic's limits, as Kafka's do.
        var config = topic?.Config;
        return InternalTopicLog.Append(partition, leadership.LeaderEpoch, records, time.GetUtcNow().ToUnixTimeMilliseconds(), producerId, producerEpoch,
            config?.MinInsyncReplicas ?? 1, config?.MaxMessageBytes ?? int.MaxValue).Error;
    }

    /// <summary>
    /// Waits until the in-sync replicas hold everything written so far to the partition of <paramref name="groupId"/>
    /// (acks=all): NONE, NOT_COORDINATOR when the leader lost the partition first, or COORDINATOR_NOT_AVAILABLE on timeout.
    /// </summary>
    public Task<ErrorCode> WaitReplicatedAsync(string groupId, CancellationToken cancellationToken)
    {
        if (placement.PartitionOf(CoordinatorType.Group, groupId) is not { LeaderLog: { } log }) return Task.FromResult(ErrorCode.NotCoordinator);
        return InternalTopicLog.WaitReplicatedAsync(new InternalAppend(ErrorCode.None, log, log.LogEndOffset), time, cancellationToken);
    }

    /// <summary>
    /// The record of one committed offset: value version 3, or version 1 (the last with an expire timestamp) for an
    /// offset committed with a retention time, as Kafka writes them.
    /// </summary>
    public static InternalRecordData Offset(string groupId, OffsetKey key, CommittedOffset offset) =>
        new(OffsetKeyBytes(groupId, key), InternalRecord.Encode(new OffsetCommitValue
        {
            Offset = offset.Offset,
            LeaderEpoch = offset.LeaderEpoch,
            Metadata = offset.Metadata,
            CommitTimestamp = offset.CommitTimestamp.ToUnixTimeMilliseconds(),
            ExpireTimestamp = offset.ExpireTimestamp?.ToUnixTimeMilliseconds() ?? -1,
        }, offset.ExpireTimestamp is null ? (short)3 : (short)1));

    /// <summary>The tombstone of one partition's committed offset.</summary>
    public static InternalRecordData OffsetTombstone(string groupId, OffsetKey key) => new(OffsetKeyBytes(groupId, key), null);

    /// <summary>The record of a classic group's generation: protocol, leader and members with their subscriptions and assignments.</summary>
    public static InternalRecordData GroupMetadata(ClassicGroup group, DateTimeOffset now) =>
        new(GroupKeyBytes(group.GroupId), InternalRecord.Encode(new GroupMetadataValue
        {
            ProtocolType = group.ProtocolType ?? "",
            Generation = group.GenerationId,
            Protocol = group.ProtocolName,
            Leader = group.LeaderId,
            CurrentStateTimestamp = (group.State == GroupState.Empty ? group.EmptySince ?? now : now).ToUnixTimeMilliseconds(),
            Members = group.Members.Select(member => new GroupMetadataValue.MemberMetadata
            {
                MemberId = member.MemberId,
                GroupInstanceId = member.GroupInstanceId,
                ClientId = member.ClientId,
                ClientHost = member.ClientHost,
                RebalanceTimeout = (int)member.RebalanceTimeout.TotalMilliseconds,
                SessionTimeout = (int)member.SessionTimeout.TotalMilliseconds,
                Subscription = member.MetadataFor(group.ProtocolName),
                Assignment = member.Assignment,
            }).ToList(),
        }, 3));

    /// <summary>The tombstone of a classic group's metadata (the group was deleted, or became a consumer group).</summary>
    public static InternalRecordData GroupMetadataTombstone(string groupId) => new(GroupKeyBytes(groupId), null);

    /// <summary>
    /// The tombstones that delete a group: every committed offset and its metadata, of both group types (a group that
    /// changed type has records of each).
    /// </summary>
    public static List<InternalRecordData> GroupTombstones(string groupId, IEnumerable<OffsetKey> offsets)
    {
        var records = offsets.Select(key => OffsetTombstone(groupId, key)).ToList();
        records.Add(GroupMetadataTombstone(groupId));
        records.AddRange(ConsumerGroupRecords.GroupTombstones(groupId));
        return records;
    }

    /// <summary>
    /// The groups a partition's log holds, as Kafka loads them: the latest offset per partition (tombstones remove
    /// it), transactional offsets once their transaction committed (those of a transaction still open stay staged),
    /// the latest metadata of each classic and consumer group (a tombstone deletes the group).
    /// </summary>
    public static IReadOnlyDictionary<string, LoadedGroup> Replay(IEnumerable<InternalLogEntry> entries)
    {
        var groups = new Dictionary<string, LoadedGroup>(StringComparer.Ordinal);
        LoadedGroup Group(string id) => groups.TryGetValue(id, out var g) ? g : groups[id] = new LoadedGroup(id);
        // The transactional offsets of each producer, until its marker.
        var pending = new Dictionary<long, List<(string Group, OffsetKey Key, CommittedOffset? Offset)>>();
        foreach (var entry in entries)
        {
            if (entry.Marker is { } marker)
            {
                if (!pending.Remove(entry.ProducerId, out var staged) || marker != ControlRecordType.Commit) continue;
                foreach (var (group, key, offset) in staged) Group(group).Apply(key, offset);
                continue;
            }
            var reader = new KafkaReader(entry.Key);
            var version = InternalRecord.ReadVersion(ref reader);
            switch (version)
            {
                case 0 or InternalRecord.OffsetCommitKeyVersion:
                {
                    var key = OffsetCommitKey.Read(ref reader, version);
                    var offsetKey = new OffsetKey(key.Topic, key.Partition);
                    var offset = entry.Value is { } value ? ReadOffset(value) : null;
                    if (entry.IsTransactional)
                    {
                        if (!pending.TryGetValue(entry.ProducerId, out var staged)) pending[entry.ProducerId] = staged = [];
                        staged.Add((key.Group, offsetKey, offset));
                    }
                    else Group(key.Group).Apply(offsetKey, offset);
                    break;
                }
                case InternalRecord.GroupMetadataKeyVersion:
                {
                    // The group's latest metadata decides its type: a classic record replaces a consumer group's.
                    var group = Group(GroupMetadataKey.Read(ref reader, version).Group);
                    group.Classic = entry.Value is { } value ? ReadValue(value, GroupMetadataValue.Read) : null;
                    if (group.Classic is not null) group.Consumer = null;
                    break;
                }
                case >= InternalRecord.ConsumerGroupMetadataKeyVersion and <= InternalRecord.ConsumerGroupCurrentMemberAssignmentKeyVersion:
                {
                    // Any consumer group record makes the group a consumer group; the epoch's tombstone, written last
                    // when Kafka deletes or converts a consumer group, ends it.
                    var group = Group(LoadedConsumerGroup.GroupIdOf(version, reader));
                    if (entry.Value is null && version == InternalRecord.ConsumerGroupMetadataKeyVersion)
                    {
                        group.Consumer = null;
                        break;
                    }
                    if (entry.Value is not null)
                    {
                        group.Classic = null;
                        group.Consumer ??= new LoadedConsumerGroup();
                    }
                    group.Consumer?.Apply(version, ref reader, entry.Value);
                    break;
                }
                // Share group records (key versions 9 to 15) and unknown ones: share groups are not supported.
            }
        }
        foreach (var (producerId, staged) in pending)
        {
            foreach (var (group, key, offset) in staged)
            {
                if (offset is not null) Group(group).Pending.Add((producerId, key, offset));
            }
        }
        return groups;
    }

    /// <summary>Reads one struct of Kafka's generated codec in the version it was written in.</summary>
    public delegate T ReadStruct<out T>(ref KafkaReader reader, short version);

    /// <summary>A record value: its 2-byte version, then the struct in that version.</summary>
    public static T ReadValue<T>(ReadOnlyMemory<byte> value, ReadStruct<T> read)
    {
        var reader = new KafkaReader(value);
        var version = InternalRecord.ReadVersion(ref reader);
        return read(ref reader, version);
    }

    private static CommittedOffset ReadOffset(ReadOnlyMemory<byte> bytes)
    {
        var value = ReadValue(bytes, OffsetCommitValue.Read);
        return new CommittedOffset(value.Offset, value.LeaderEpoch, value.Metadata, DateTimeOffset.FromUnixTimeMilliseconds(value.CommitTimestamp),
            value.ExpireTimestamp >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(value.ExpireTimestamp) : null);
    }

    private static byte[] OffsetKeyBytes(string groupId, OffsetKey key) =>
        InternalRecord.Encode(new OffsetCommitKey { Group = groupId, Topic = key.Topic, Partition = key.Partition }, InternalRecord.OffsetCommitKeyVersion);

    private static byte[] GroupKeyBytes(string groupId) => InternalRecord.Encode(new GroupMetadataKey { Group = groupId }, InternalRecord.GroupMetadataKeyVersion);
}

/// <summary>One group as a partition's log holds it.</summary>
internal sealed class LoadedGroup(string groupId)
{
    /// <summary>The group id.</summary>
    public string GroupId { get; } = groupId;

    /// <summary>The committed offsets.</summary>
    public Dictionary<OffsetKey, CommittedOffset> Offsets { get; } = [];

    /// <summary>Offsets of transactions still open at the end of the log: (producer id, partition, offset).</summary>
    public List<(long ProducerId, OffsetKey Key, CommittedOffset Offset)> Pending { get; } = [];

    /// <summary>The last generation of a classic group, or null.</summary>
    public GroupMetadataValue? Classic { get; set; }

    /// <summary>The records of a consumer group (KIP-848), or null.</summary>
    public LoadedConsumerGroup? Consumer { get; set; }

    /// <summary>Whether anything of the group is left: a group with neither offsets nor metadata is gone.</summary>
    public bool Exists => Offsets.Count > 0 || Pending.Count > 0 || Classic is not null || Consumer is not null;

    /// <summary>Applies one offset record: a value commits, a tombstone (null) deletes.</summary>
    public void Apply(OffsetKey key, CommittedOffset? offset)
    {
        if (offset is null) Offsets.Remove(key);
        else Offsets[key] = offset;
    }
}
