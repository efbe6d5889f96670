using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// Produce: validates and appends each partition's batches on its leader (acks 0, 1 and all are the same
/// here, as all replicas share the log; acks=all still needs min.insync.replicas live replicas).
/// </summary>
/// <remarks>
/// v0-2 may carry message sets of format 0 or 1 (plain or compressed wrappers): they are validated and stored
/// converted to one record batch, as Kafka 3.x does (<see cref="MessageFormats.ForAppend"/>); v3+ carry record
/// batches only. v1 adds throttle time, v2 the log append time, v5 the log start offset, v10 the new leader.
/// </remarks>
internal sealed class ProduceHandler : ApiHandler<ProduceRequest>
{
    /// <summary>From this version a NOT_LEADER answer names the current leader.</summary>
    private const short CurrentLeaderVersion = 10;

    public override ApiKey ApiKey => ApiKey.Produce;
    public override short MinVersion => 0;
    public override short MaxVersion => 11;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ProduceRequest request, CancellationToken cancellationToken)
    {
        var response = new ProduceResponse();
        foreach (var topicData in request.TopicData)
        {
            var topic = PartitionLookup.Topic(context, topicData.Name);
            var results = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            foreach (var partitionData in topicData.PartitionData)
            {
                var result = Append(context, request.Acks, topic, partitionData);
                if (result.ErrorCode == (short)ErrorCode.NotLeaderOrFollower && result.CurrentLeader.LeaderId >= 0)
                    AddLeaderEndpoint(context, response, result.CurrentLeader.LeaderId);
                results.PartitionResponses.Add(result);
            }
            response.Responses.Add(results);
        }
        return ValueTask.FromResult<IKafkaResponse?>(request.Acks == 0 ? null : response);
    }

    /// <summary>From v10 a response names the brokers that now lead partitions this one refused, each once.</summary>
    private static void AddLeaderEndpoint(RequestContext context, ProduceResponse response, int leaderId)
    {
        if (context.ApiVersion < CurrentLeaderVersion) return;
        foreach (var endpoint in response.NodeEndpoints)
        {
            if (endpoint.NodeId == leaderId) return;
        }
        var leader = context.Cluster.Broker(leaderId)!;
        response.NodeEndpoints.Add(new ProduceResponse.NodeEndpoint { NodeId = leader.Id, Host = leader.Host, Port = leader.PortOn(context.Listener) });
    }

    private static ProduceResponse.PartitionProduceResponse Append(RequestContext context, short acks, TopicState? topic, ProduceRequest.PartitionProduceData data)
    {
        var result = new ProduceResponse.PartitionProduceResponse { Index = data.Index, BaseOffset = -1 };
        if (acks is not (0 or 1 or -1)) return Fail(result, ErrorCode.InvalidRequiredAcks);
        var error = PartitionLookup.FindLed(context, topic, data.Index, -1, out var partition);
        if (error == ErrorCode.NotLeaderOrFollower && context.ApiVersion >= CurrentLeaderVersion)
        {
            result.CurrentLeader = new() { LeaderId = partition!.Leadership.Leader, LeaderEpoch = partition.Leadership.LeaderEpoch };
        }
        if (error != ErrorCode.None) return Fail(result, error);

        var config = topic!.Config;
        var leadership = partition!.Leadership;
        if (acks == -1 && leadership.Isr.Count < config.MinInsyncReplicas) return Fail(result, ErrorCode.NotEnoughReplicas);
        if (data.Records is not { } records) return Fail(result, ErrorCode.CorruptMessage);
        var format = MessageFormats.ForAppend(context.ApiVersion, records, config, out var converted);
        using var convertedRecords = converted;
        if (format != ErrorCode.None) return Fail(result, format);

        var now = context.NowMs();
        var appended = partition.Log.Append((converted?.WrittenMemory ?? records).Span,
            new AppendOptions(leadership.LeaderEpoch, now, config.UseLogAppendTime, config.MaxMessageBytes, config.MaxTimestampAheadMs, config.MaxTimestampBehindMs));
        result.ErrorCode = (short)appended.Error;
        result.BaseOffset = appended.BaseOffset;
        result.LogAppendTimeMs = appended.LogAppendTimeMs;
        result.LogStartOffset = appended.LogStartOffset;
        return result;
    }

    private static ProduceResponse.PartitionProduceResponse Fail(ProduceResponse.PartitionProduceResponse result, ErrorCode error)
    {
        result.ErrorCode = (short)error;
        return result;
    }
}
