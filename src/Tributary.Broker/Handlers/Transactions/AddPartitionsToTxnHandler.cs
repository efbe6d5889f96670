using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Broker.Transactions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// AddPartitionsToTxn v0-3, the producer's call. v4+ is the broker-to-coordinator batched form (KIP-890),
/// which a cluster without inter-broker requests never needs: not served. Needs WRITE on the transactional id (else
/// every partition gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and on each topic; internal topics are never writable.
/// A topic the principal may not write (TOPIC_AUTHORIZATION_FAILED) or an unknown partition fails the whole request,
/// the other partitions getting OPERATION_NOT_ATTEMPTED, as in Kafka.
/// A broker that does not coordinate the transactional id answers NOT_COORDINATOR (after authorization), as Kafka does.
/// New partitions are answered once committed to the transaction's record in <c>__transaction_state</c>.
/// </summary>
internal sealed class AddPartitionsToTxnHandler : ApiHandler<AddPartitionsToTxnRequest>
{
    private const short ProducerFencedVersion = 2;

    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.AddPartitionsToTxn;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 3;

    /// <inheritdoc />
    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AddPartitionsToTxnRequest request, CancellationToken cancellationToken)
    {
        var requested = request.V3AndBelowTopics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p))).ToList();
        var deniedTopics = request.V3AndBelowTopics.Select(t => t.Name)
            .Where(topic => TopicState.IsInternalName(topic) || !context.Authorize(AclOperation.Write, AclResourceType.Topic, topic))
            .ToHashSet(StringComparer.Ordinal);
        var failed = requested.Distinct()
            .Select(p => (Partition: p, Error: deniedTopics.Contains(p.Topic) ? ErrorCode.TopicAuthorizationFailed
                : context.Cluster.FindPartition(p.Topic, p.Partition) is null ? ErrorCode.UnknownTopicOrPartition
                : ErrorCode.None))
            .Where(p => p.Error != ErrorCode.None)
            .ToDictionary(p => p.Partition, p => p.Error);
        Func<TopicPartition, ErrorCode> errorOf;
        if (!context.Authorize(AclOperation.Write, AclResourceType.TransactionalId, request.V3AndBelowTransactionalId))
        {
            errorOf = _ => ErrorCode.TransactionalIdAuthorizationFailed;
        }
        else if (context.TransactionCoordinatorError(request.V3AndBelowTransactionalId) is var notCoordinator and not ErrorCode.None)
        {
            errorOf = _ => notCoordinator;
        }
        else if (failed.Count > 0)
        {
            // As Kafka: the failed partitions are named, the others were not attempted.
            errorOf = p => failed.GetValueOrDefault(p, ErrorCode.OperationNotAttempted);
        }
        else
        {
            var error = await context.Transactions.AddPartitionsAsync(request.V3AndBelowTransactionalId, request.V3AndBelowProducerId, request.V3AndBelowProducerEpoch, requested)
                .ConfigureAwait(false);
            error = ProducerFencedCompatibility.ForVersion(error, context.ApiVersion, ProducerFencedVersion);
            errorOf = _ => error;
        }
        var response = new AddPartitionsToTxnResponse
        {
            ResultsByTopicV3AndBelow = request.V3AndBelowTopics.Select(topic => new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult
            {
                Name = topic.Name,
                ResultsByPartition = topic.Partitions.Select(p => new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult
                {
                    PartitionIndex = p,
                    PartitionErrorCode = (short)errorOf(new TopicPartition(topic.Name, p)),
                }).ToList(),
            }).ToList(),
        };
        return response;
    }
}
