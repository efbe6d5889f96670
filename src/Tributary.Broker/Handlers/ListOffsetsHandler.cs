using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using IsolationLevel = Tributary.Broker.Log.IsolationLevel;

namespace Tributary.Broker.Handlers;

/// <summary>
/// ListOffsets: earliest, latest (high watermark or last stable offset), by timestamp, max timestamp.
/// v0 answers a list of at most max_num_offsets offsets, newest first (latest: log end, then log start); a
/// timestamp in v0 finds the first record at or after it, where Kafka went by segment modification times.
/// v1 answers one offset with its timestamp, v2 adds isolation, v4 the leader epoch. Each topic needs DESCRIBE
/// (else its partitions get TOPIC_AUTHORIZATION_FAILED).
/// </summary>
internal sealed class ListOffsetsHandler : ApiHandler<ListOffsetsRequest>
{
    private const long Latest = -1;
    private const long Earliest = -2;
    private const long MaxTimestamp = -3;
    private const long EarliestLocal = -4;
    private const long LatestTiered = -5;
    private const short OldStyleVersion = 0;
    private const short LeaderEpochVersion = 4;

    public override ApiKey ApiKey => ApiKey.ListOffsets;
    public override short MinVersion => 0;
    public override short MaxVersion => 10;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request, CancellationToken cancellationToken)
    {
        var response = new ListOffsetsResponse();
        foreach (var wanted in request.Topics)
        {
            var topic = PartitionLookup.Topic(context, wanted.Name);
            var results = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = wanted.Name };
            var authorized = context.Authorize(AclOperation.Describe, AclResourceType.Topic, wanted.Name);
            foreach (var p in wanted.Partitions)
            {
                var result = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = p.PartitionIndex };
                PartitionState? partition = null;
                var error = authorized
                    ? PartitionLookup.FindLed(context, topic, p.PartitionIndex, p.CurrentLeaderEpoch, out partition)
                    : ErrorCode.TopicAuthorizationFailed;
                result.ErrorCode = (short)error;
                if (error == ErrorCode.None)
                {
                    var log = partition!.ReplicaLog(context.Broker.Id);
                    var found = Find(log, p.Timestamp, (IsolationLevel)request.IsolationLevel);
                    if (context.ApiVersion == OldStyleVersion)
                    {
                        result.OldStyleOffsets.AddRange(OldStyleOffsets(log, p.Timestamp, found).Take(Math.Max(p.MaxNumOffsets, 0)));
                    }
                    else
                    {
                        result.Offset = found.Offset;
                        result.Timestamp = found.Timestamp;
                        if (context.ApiVersion >= LeaderEpochVersion && found.Offset >= 0) result.LeaderEpoch = partition.Leadership.LeaderEpoch;
                    }
                }
                results.Partitions.Add(result);
            }
            response.Topics.Add(results);
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    /// <summary>
    /// v0's list, newest first, as Kafka builds it from segment start offsets: the log is one segment here, so latest
    /// gives the log end and then the log start (when the log holds records), earliest the log start.
    /// </summary>
    private static IEnumerable<long> OldStyleOffsets(PartitionLog log, long timestamp, OffsetAndTimestamp found)
    {
        var logStart = log.LogStartOffset;
        if (timestamp == Latest)
        {
            var logEnd = log.HighWatermark; // consumers get the high watermark as the latest offset, as in Kafka
            return logEnd > logStart ? [logEnd, logStart] : [logStart];
        }
        return found.Offset >= 0 ? [found.Offset] : [];
    }

    private static OffsetAndTimestamp Find(PartitionLog log, long timestamp, IsolationLevel isolation) => timestamp switch
    {
        Latest => new(isolation == IsolationLevel.ReadCommitted ? log.LastStableOffset : log.HighWatermark, -1),
        Earliest or EarliestLocal => new(log.LogStartOffset, -1),
        MaxTimestamp => log.OffsetOfMaxTimestamp(),
        // No tiered storage: nothing has been tiered.
        LatestTiered => OffsetAndTimestamp.None,
        _ => log.OffsetForTimestamp(timestamp),
    };
}
