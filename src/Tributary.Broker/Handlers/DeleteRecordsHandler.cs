using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// DeleteRecords: moves each partition's log start offset forward, dropping the batches before it. Each topic needs
/// DELETE (else its partitions get TOPIC_AUTHORIZATION_FAILED). The records of an internal topic are the coordinators'
/// state: INVALID_TOPIC_EXCEPTION, as Kafka's ReplicaManager answers ("Cannot delete records of internal topic").
/// </summary>
internal sealed class DeleteRecordsHandler : ApiHandler<DeleteRecordsRequest>
{
    public override ApiKey ApiKey => ApiKey.DeleteRecords;
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DeleteRecordsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponse();
        foreach (var wanted in request.Topics)
        {
            var topic = PartitionLookup.Topic(context, wanted.Name);
            var results = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = wanted.Name };
            var authorized = context.Authorize(AclOperation.Delete, AclResourceType.Topic, wanted.Name);
            foreach (var p in wanted.Partitions)
            {
                var result = new DeleteRecordsResponse.DeleteRecordsPartitionResult { PartitionIndex = p.PartitionIndex, LowWatermark = -1 };
                PartitionState? partition = null;
                var error = !authorized ? ErrorCode.TopicAuthorizationFailed
                    : TopicState.IsInternalName(wanted.Name) ? ErrorCode.InvalidTopicException
                    : PartitionLookup.FindLed(context, topic, p.PartitionIndex, -1, out partition);
                if (error == ErrorCode.None) (error, result.LowWatermark) = partition!.DeleteRecordsBefore(context.Broker.Id, p.Offset);
                result.ErrorCode = (short)error;
                results.Partitions.Add(result);
            }
            response.Topics.Add(results);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
