using Tributary.Broker.Groups;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// TxnOffsetCommit v0-4: offsets staged in the group until the transaction ends. From v3 the consumer's member
/// id, generation and instance id come along (KIP-447) and fence zombies of older generations.
/// </summary>
internal sealed class TxnOffsetCommitHandler(TransactionCoordinator coordinator) : ApiHandler<TxnOffsetCommitRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 4;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, TxnOffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var known = request.Topics
            .SelectMany(topic => topic.Partitions.Select(p => (topic.Name, Partition: p)))
            .Where(t => context.Cluster.FindPartition(t.Name, t.Partition.PartitionIndex) is not null)
            .Select(t => new PartitionOffsetCommit(new OffsetKey(t.Name, t.Partition.PartitionIndex),
                t.Partition.CommittedOffset, t.Partition.CommittedLeaderEpoch, t.Partition.CommittedMetadata))
            .ToList();
        var errors = request.GroupId.Length == 0
            ? known.Select(_ => ErrorCode.InvalidGroupId).ToList()
            : coordinator.CommitOffsets(request.TransactionalId, request.ProducerId, request.ProducerEpoch, new OffsetCommitCommand
            {
                GroupId = request.GroupId,
                GenerationId = request.GenerationId,
                MemberId = request.MemberId,
                GroupInstanceId = request.GroupInstanceId,
                Offsets = known,
            });
        var errorByPartition = new Dictionary<OffsetKey, ErrorCode>();
        foreach (var (offset, error) in known.Zip(errors))
            errorByPartition[offset.Key] = error;

        var response = new TxnOffsetCommitResponse
        {
            Topics = request.Topics.Select(topic => new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic
            {
                Name = topic.Name,
                Partitions = topic.Partitions.Select(p => new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition
                {
                    PartitionIndex = p.PartitionIndex,
                    ErrorCode = (short)errorByPartition.GetValueOrDefault(new OffsetKey(topic.Name, p.PartitionIndex), ErrorCode.UnknownTopicOrPartition),
                }).ToList(),
            }).ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
