using Tributary.Broker.Groups;
using Tributary.Broker.Handlers.Groups;
using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// TxnOffsetCommit v0-4: offsets staged in the group until the transaction ends. From v3 the consumer's member
/// id, generation and instance id come along (KIP-447) and fence zombies of older generations. Needs WRITE on the
/// transactional id, then READ on the group (else every partition gets TRANSACTIONAL_ID_ or GROUP_AUTHORIZATION_FAILED),
/// and READ on each topic (else TOPIC_AUTHORIZATION_FAILED).
/// A broker that does not lead the group's <c>__consumer_offsets</c> partition answers NOT_COORDINATOR (after
/// authorization), the leader COORDINATOR_LOAD_IN_PROGRESS while it loads the partition, as Kafka does. The offsets
/// are written to that partition as the producer's transactional records (OffsetCommitKey/OffsetCommitValue, the
/// partition joined the transaction at AddOffsetsToTxn) and answered once the in-sync replicas have them; they count
/// when the transaction's COMMIT marker reaches the partition, and never after an ABORT.
/// </summary>
internal sealed class TxnOffsetCommitHandler : ApiHandler<TxnOffsetCommitRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.TxnOffsetCommit;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 4;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, TxnOffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var requestError = !context.Authorize(AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId) ? ErrorCode.TransactionalIdAuthorizationFailed
            : !context.Authorize(AclOperation.Read, AclResourceType.Group, request.GroupId) ? ErrorCode.GroupAuthorizationFailed
            : context.GroupCoordinatorError(request.GroupId);
        var authorization = CommitAuthorization.Check(context, requestError, request.Topics.Select(topic => topic.Name));
        var known = request.Topics
            .Where(topic => authorization.Allows(topic.Name))
            .SelectMany(topic => topic.Partitions.Select(p => (topic.Name, Partition: p)))
            .Where(t => context.Cluster.FindPartition(t.Name, t.Partition.PartitionIndex) is not null)
            .Select(t => new PartitionOffsetCommit(new OffsetKey(t.Name, t.Partition.PartitionIndex),
                t.Partition.CommittedOffset, t.Partition.CommittedLeaderEpoch, t.Partition.CommittedMetadata))
            .ToList();
        var commit = new OffsetCommitCommand
        {
            GroupId = request.GroupId,
            GenerationId = request.GenerationId,
            MemberId = request.MemberId,
            GroupInstanceId = request.GroupInstanceId,
            Offsets = known,
        };
        var errors = requestError != ErrorCode.None ? []
            : request.GroupId.Length == 0 ? known.Select(_ => ErrorCode.InvalidGroupId).ToList()
            : context.Transactions.CommitOffsets(request.TransactionalId, request.ProducerId, request.ProducerEpoch, commit);
        errors = await OffsetCommitResults.ReplicatedAsync(context, request.GroupId, errors, cancellationToken).ConfigureAwait(false);
        var topics = OffsetCommitResults.PerRequestedPartition(
            request.Topics.Select(topic => (topic.Name, topic.Partitions.Select(p => p.PartitionIndex))), known, errors, authorization.HeldBack,
            (name, partitions) => new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic { Name = name, Partitions = partitions },
            (index, error) => new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition { PartitionIndex = index, ErrorCode = (short)error });
        return new TxnOffsetCommitResponse { Topics = topics };
    }
}
