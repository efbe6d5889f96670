using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>OffsetForLeaderEpoch: where a leader epoch ended, so a client can detect log truncation after a leader change.</summary>
internal sealed class OffsetForLeaderEpochHandler : ApiHandler<OffsetForLeaderEpochRequest>
{
    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetForLeaderEpochResponse();
        foreach (var wanted in request.Topics)
        {
            var topic = PartitionLookup.Topic(context, wanted.Topic);
            var results = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = wanted.Topic };
            foreach (var p in wanted.Partitions)
            {
                var result = new OffsetForLeaderEpochResponse.EpochEndOffset { Partition = p.Partition };
                var error = PartitionLookup.FindLed(context, topic, p.Partition, p.CurrentLeaderEpoch, out var partition);
                result.ErrorCode = (short)error;
                if (error == ErrorCode.None) (result.LeaderEpoch, result.EndOffset) = partition!.ReplicaLog(context.Broker.Id).EndOffsetForEpoch(p.LeaderEpoch);
                results.Partitions.Add(result);
            }
            response.Topics.Add(results);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
