using Tributary.Broker.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Messages.Internal;

namespace Tributary.Broker.Groups;

/// <summary>
/// A consumer group (KIP-848) as Kafka's coordinator keeps it in <c>__consumer_offsets</c>: one record per key, each
/// value as written. Per member a ConsumerGroupMemberMetadata (key v5, its subscription), a
/// ConsumerGroupTargetAssignmentMember (v7) and a ConsumerGroupCurrentMemberAssignment (v8, its epochs, state and
/// partitions); per group a ConsumerGroupPartitionMetadata (v4, the subscribed topics), a ConsumerGroupMetadata (v3, the
/// group epoch) and a ConsumerGroupTargetAssignmentMetadata (v6, the assignment epoch). The coordinator compares the
/// group's records before and after each change and writes what differs (<see cref="ChangesSince"/>), which is what
/// Kafka's GroupMetadataManager writes for the same change: new values for what changed, tombstones for a member that
/// left or was fenced (current assignment, target, then subscription, as Kafka removes a member).
/// </summary>
internal sealed class ConsumerGroupRecords
{
    // Kafka's order of tombstones (its createGroupTombstoneRecords): current assignments, targets and the assignment
    // epoch, subscriptions, then the subscribed topics and the group epoch, which ends the group on replay.
    private static readonly short[] TombstoneOrder =
    [
        InternalRecord.ConsumerGroupCurrentMemberAssignmentKeyVersion, InternalRecord.ConsumerGroupTargetAssignmentMemberKeyVersion,
        InternalRecord.ConsumerGroupTargetAssignmentMetadataKeyVersion, InternalRecord.ConsumerGroupMemberMetadataKeyVersion,
        InternalRecord.ConsumerGroupPartitionMetadataKeyVersion, InternalRecord.ConsumerGroupMetadataKeyVersion,
    ];

    private readonly string _groupId;
    private readonly List<(short KeyVersion, string MemberId, byte[] Value)> _records;

    private ConsumerGroupRecords(string groupId, List<(short KeyVersion, string MemberId, byte[] Value)> records)
    {
        _groupId = groupId;
        _records = records;
    }

    /// <summary>No consumer group: a classic group, or none.</summary>
    public static ConsumerGroupRecords None(string groupId) => new(groupId, []);

    /// <summary>The records of <paramref name="group"/>'s current state.</summary>
    public static ConsumerGroupRecords Of(ConsumerGroup group)
    {
        var records = new List<(short, string, byte[])>();
        foreach (var member in group.Members)
            records.Add((InternalRecord.ConsumerGroupMemberMetadataKeyVersion, member.MemberId, InternalRecord.Encode(MemberMetadata(member), 0)));
        records.Add((InternalRecord.ConsumerGroupPartitionMetadataKeyVersion, "", InternalRecord.Encode(new ConsumerGroupPartitionMetadataValue
        {
            Topics = group.SubscribedTopicMetadata.OrderBy(t => t.Name, StringComparer.Ordinal)
                .Select(t => new ConsumerGroupPartitionMetadataValue.TopicMetadata { TopicId = t.Id, TopicName = t.Name, NumPartitions = t.PartitionCount })
                .ToList(),
        }, 0)));
        records.Add((InternalRecord.ConsumerGroupMetadataKeyVersion, "", InternalRecord.Encode(new ConsumerGroupMetadataValue { Epoch = group.GroupEpoch }, 0)));
        foreach (var (memberId, target) in group.TargetAssignment)
        {
            records.Add((InternalRecord.ConsumerGroupTargetAssignmentMemberKeyVersion, memberId, InternalRecord.Encode(new ConsumerGroupTargetAssignmentMemberValue
            {
                TopicPartitions = Assignments.ByTopic(target)
                    .Select(t => new ConsumerGroupTargetAssignmentMemberValue.TopicPartition { TopicId = t.TopicId, Partitions = t.Partitions })
                    .ToList(),
            }, 0)));
        }
        records.Add((InternalRecord.ConsumerGroupTargetAssignmentMetadataKeyVersion, "",
            InternalRecord.Encode(new ConsumerGroupTargetAssignmentMetadataValue { AssignmentEpoch = group.AssignmentEpoch }, 0)));
        foreach (var member in group.Members)
        {
            records.Add((InternalRecord.ConsumerGroupCurrentMemberAssignmentKeyVersion, member.MemberId, InternalRecord.Encode(new ConsumerGroupCurrentMemberAssignmentValue
            {
                MemberEpoch = member.MemberEpoch,
                PreviousMemberEpoch = member.PreviousMemberEpoch,
                State = (sbyte)member.State,
                AssignedPartitions = CurrentPartitions(member.Assigned),
                PartitionsPendingRevocation = CurrentPartitions(member.PendingRevocation),
            }, 0)));
        }
        return new ConsumerGroupRecords(group.GroupId, records);
    }

    /// <summary>
    /// The records that turn <paramref name="before"/> into this state: tombstones for keys that are gone (current
    /// assignments, targets, subscriptions, then the group's own records, as Kafka deletes a member or a group), then
    /// every value that is new or changed, in Kafka's order (a member's subscription, the group's subscribed topics and
    /// epoch, the target assignment and its epoch, then current assignments).
    /// </summary>
    public List<InternalRecordData> ChangesSince(ConsumerGroupRecords before)
    {
        var now = _records.ToDictionary(r => (r.KeyVersion, r.MemberId), r => r.Value);
        var old = before._records.ToDictionary(r => (r.KeyVersion, r.MemberId), r => r.Value);
        var changes = before._records
            .Where(r => !now.ContainsKey((r.KeyVersion, r.MemberId)))
            .OrderBy(r => Array.IndexOf(TombstoneOrder, r.KeyVersion))
            .Select(r => new InternalRecordData(Key(_groupId, r.KeyVersion, r.MemberId), null))
            .ToList();
        foreach (var (version, memberId, value) in _records)
        {
            if (!old.TryGetValue((version, memberId), out var previous) || !previous.AsSpan().SequenceEqual(value))
                changes.Add(new InternalRecordData(Key(_groupId, version, memberId), value));
        }
        return changes;
    }

    /// <summary>The tombstones of a consumer group's own records (its members' go first when it has any), as Kafka deletes a group.</summary>
    public static IEnumerable<InternalRecordData> GroupTombstones(string groupId) =>
        new[] { InternalRecord.ConsumerGroupTargetAssignmentMetadataKeyVersion, InternalRecord.ConsumerGroupPartitionMetadataKeyVersion, InternalRecord.ConsumerGroupMetadataKeyVersion }
            .Select(version => new InternalRecordData(Key(groupId, version, ""), null));

    /// <summary>The key of one consumer group record.</summary>
    public static byte[] Key(string groupId, short version, string memberId) => version switch
    {
        InternalRecord.ConsumerGroupMetadataKeyVersion => InternalRecord.Encode(new ConsumerGroupMetadataKey { GroupId = groupId }, version),
        InternalRecord.ConsumerGroupPartitionMetadataKeyVersion => InternalRecord.Encode(new ConsumerGroupPartitionMetadataKey { GroupId = groupId }, version),
        InternalRecord.ConsumerGroupMemberMetadataKeyVersion => InternalRecord.Encode(new ConsumerGroupMemberMetadataKey { GroupId = groupId, MemberId = memberId }, version),
        InternalRecord.ConsumerGroupTargetAssignmentMetadataKeyVersion => InternalRecord.Encode(new ConsumerGroupTargetAssignmentMetadataKey { GroupId = groupId }, version),
        InternalRecord.ConsumerGroupTargetAssignmentMemberKeyVersion => InternalRecord.Encode(new ConsumerGroupTargetAssignmentMemberKey { GroupId = groupId, MemberId = memberId }, version),
        InternalRecord.ConsumerGroupCurrentMemberAssignmentKeyVersion => InternalRecord.Encode(new ConsumerGroupCurrentMemberAssignmentKey { GroupId = groupId, MemberId = memberId }, version),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Not a consumer group record."),
    };

    private static ConsumerGroupMemberMetadataValue MemberMetadata(ConsumerGroupMember member) => new()
    {
        InstanceId = member.InstanceId,
        RackId = member.RackId,
        ClientId = member.ClientId,
        ClientHost = member.ClientHost,
        SubscribedTopicNames = [.. member.SubscribedTopicNames],
        SubscribedTopicRegex = member.SubscribedTopicRegex,
        RebalanceTimeoutMs = (int)member.RebalanceTimeout.TotalMilliseconds,
        ServerAssignor = member.ServerAssignor,
        ClassicMemberMetadata = member.Classic is { } classic
            ? new ConsumerGroupMemberMetadataValue.ClassicMemberMetadataData
            {
                SessionTimeoutMs = (int)classic.SessionTimeout.TotalMilliseconds,
                SupportedProtocols = classic.Protocols.Select(p => new ConsumerGroupMemberMetadataValue.ClassicProtocol { Name = p.Name, Metadata = p.Metadata }).ToList(),
            }
            : null,
    };

    private static List<ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions> CurrentPartitions(IEnumerable<TopicIdPartition> partitions) =>
        Assignments.ByTopic(partitions).Select(t => new ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions { TopicId = t.TopicId, Partitions = t.Partitions }).ToList();
}

/// <summary>A consumer group as a partition's log holds it: the latest value of each of its records.</summary>
internal sealed class LoadedConsumerGroup
{
    /// <summary>The group epoch.</summary>
    public int GroupEpoch { get; private set; }

    /// <summary>The assignment epoch, or null when the log has none (a log written before members were stored).</summary>
    public int? AssignmentEpoch { get; private set; }

    /// <summary>The subscribed topics as of the last target assignment.</summary>
    public List<TopicMetadata> SubscribedTopics { get; private set; } = [];

    /// <summary>Each member's subscription, in the order the members joined.</summary>
    public OrderedDictionary<string, ConsumerGroupMemberMetadataValue> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Each member's current assignment.</summary>
    public Dictionary<string, ConsumerGroupCurrentMemberAssignmentValue> Current { get; } = new(StringComparer.Ordinal);

    /// <summary>Each member's target assignment.</summary>
    public Dictionary<string, IReadOnlySet<TopicIdPartition>> Targets { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Applies one record of key version <paramref name="version"/> (the key struct is next in <paramref name="key"/>);
    /// a null <paramref name="value"/> deletes (a member's tombstones remove it).
    /// </summary>
    public void Apply(short version, ref KafkaReader key, ReadOnlyMemory<byte>? value)
    {
        switch (version)
        {
            case InternalRecord.ConsumerGroupMetadataKeyVersion:
                GroupEpoch = value is { } epoch ? OffsetsLog.ReadValue(epoch, ConsumerGroupMetadataValue.Read).Epoch : 0;
                break;
            case InternalRecord.ConsumerGroupPartitionMetadataKeyVersion:
                SubscribedTopics = value is { } topics
                    ? OffsetsLog.ReadValue(topics, ConsumerGroupPartitionMetadataValue.Read).Topics.Select(t => new TopicMetadata(t.TopicId, t.TopicName, t.NumPartitions)).ToList()
                    : [];
                break;
            case InternalRecord.ConsumerGroupTargetAssignmentMetadataKeyVersion:
                AssignmentEpoch = value is { } assignment ? OffsetsLog.ReadValue(assignment, ConsumerGroupTargetAssignmentMetadataValue.Read).AssignmentEpoch : null;
                break;
            case InternalRecord.ConsumerGroupMemberMetadataKeyVersion:
            {
                var memberId = ConsumerGroupMemberMetadataKey.Read(ref key, version).MemberId;
                if (value is { } metadata) Members[memberId] = OffsetsLog.ReadValue(metadata, ConsumerGroupMemberMetadataValue.Read);
                else Members.Remove(memberId);
                break;
            }
            case InternalRecord.ConsumerGroupTargetAssignmentMemberKeyVersion:
            {
                var memberId = ConsumerGroupTargetAssignmentMemberKey.Read(ref key, version).MemberId;
                if (value is { } target)
                {
                    Targets[memberId] = OffsetsLog.ReadValue(target, ConsumerGroupTargetAssignmentMemberValue.Read).TopicPartitions
                        .SelectMany(t => t.Partitions.Select(p => new TopicIdPartition(t.TopicId, p))).ToHashSet();
                }
                else Targets.Remove(memberId);
                break;
            }
            case InternalRecord.ConsumerGroupCurrentMemberAssignmentKeyVersion:
            {
                var memberId = ConsumerGroupCurrentMemberAssignmentKey.Read(ref key, version).MemberId;
                if (value is { } current) Current[memberId] = OffsetsLog.ReadValue(current, ConsumerGroupCurrentMemberAssignmentValue.Read);
                else Current.Remove(memberId);
                break;
            }
        }
    }

    /// <summary>The group id a consumer group record's key (version 3 to 8, read up to the key struct) names.</summary>
    public static string GroupIdOf(short version, KafkaReader key) => version switch
    {
        InternalRecord.ConsumerGroupMetadataKeyVersion => ConsumerGroupMetadataKey.Read(ref key, version).GroupId,
        InternalRecord.ConsumerGroupPartitionMetadataKeyVersion => ConsumerGroupPartitionMetadataKey.Read(ref key, version).GroupId,
        InternalRecord.ConsumerGroupMemberMetadataKeyVersion => ConsumerGroupMemberMetadataKey.Read(ref key, version).GroupId,
        InternalRecord.ConsumerGroupTargetAssignmentMetadataKeyVersion => ConsumerGroupTargetAssignmentMetadataKey.Read(ref key, version).GroupId,
        InternalRecord.ConsumerGroupTargetAssignmentMemberKeyVersion => ConsumerGroupTargetAssignmentMemberKey.Read(ref key, version).GroupId,
        _ => ConsumerGroupCurrentMemberAssignmentKey.Read(ref key, version).GroupId,
    };
}
