using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Broker.Metrics;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// Produce: validates and appends each partition's batches on its leader. acks=0 and acks=1 are answered after
/// the leader's append (acks=0 without a response); acks=all once every in-sync replica has the batches (the
/// high watermark passed them), or REQUEST_TIMED_OUT after the request's timeout_ms. acks=all needs
/// min.insync.replicas in the ISR before the append (else NOT_ENOUGH_REPLICAS, nothing written) and when the
/// batches are replicated (else NOT_ENOUGH_REPLICAS_AFTER_APPEND: the ISR shrank while waiting); a partition
/// whose leader changed while waiting is NOT_LEADER_OR_FOLLOWER. The wait is asynchronous, like a fetch's long poll.
/// Authorization as Kafka 3.x: a request holding transactional batches needs WRITE on its transactional id (else
/// every partition gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED); each topic needs WRITE (else its partitions get
/// TOPIC_AUTHORIZATION_FAILED, before any existence check). Idempotent produce needs nothing more: IDEMPOTENT_WRITE
/// is checked by InitProducerId. A topic whose cleanup.policy contains compact refuses records without a key with
/// INVALID_RECORD, record_errors and error_message as Kafka's LogValidator words them. The internal topics
/// (<c>__consumer_offsets</c>, <c>__transaction_state</c>) refuse client writes with INVALID_TOPIC_EXCEPTION, as Kafka does.
/// </summary>
/// <remarks>
/// v0-2 may carry message sets of format 0 or 1 (plain or compressed wrappers): they are validated and stored
/// converted to one record batch, as Kafka 3.x does (<see cref="MessageFormats.ForAppend"/>); v3+ carry exactly one
/// record batch per partition, zstd only from v7 (<see cref="MessageFormats.ValidateProduce"/>). v1 adds throttle
/// time, v2 the log append time, v5 the log start offset, v10 the new leader.
/// </remarks>
internal sealed class ProduceHandler : ApiHandler<ProduceRequest>
{
    /// <summary>From this version a NOT_LEADER answer names the current leader.</summary>
    private const short CurrentLeaderVersion = 10;

    public override ApiKey ApiKey => ApiKey.Produce;
    public override short MinVersion => 0;
    public override short MaxVersion => 11;

    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ProduceRequest request, CancellationToken cancellationToken)
    {
        var response = new ProduceResponse();
        var transactionDenied = HasTransactionalBatches(request)
            && (request.TransactionalId is null || !context.Authorize(AclOperation.Write, AclResourceType.TransactionalId, request.TransactionalId));
        List<ReplicationWait>? waits = null;
        foreach (var topicData in request.TopicData)
        {
            var topic = PartitionLookup.Topic(context, topicData.Name);
            var results = new ProduceResponse.TopicProduceResponse { Name = topicData.Name };
            var denied = transactionDenied ? ErrorCode.TransactionalIdAuthorizationFailed
                : !context.Authorize(AclOperation.Write, AclResourceType.Topic, topicData.Name) ? ErrorCode.TopicAuthorizationFailed
                : ErrorCode.None;
            foreach (var partitionData in topicData.PartitionData)
            {
                if (denied != ErrorCode.None)
                {
                    results.PartitionResponses.Add(Fail(new() { Index = partitionData.Index, BaseOffset = -1 }, denied));
                    continue;
                }
                var result = Append(context, request.Acks, topic, partitionData, ref waits);
                if (result.ErrorCode == (short)ErrorCode.NotLeaderOrFollower && result.CurrentLeader.LeaderId >= 0)
                    AddLeaderEndpoint(context, response, result.CurrentLeader.LeaderId);
                results.PartitionResponses.Add(result);
            }
            response.Responses.Add(results);
        }
        if (waits is not null) await WaitForReplicasAsync(context, waits, request.TimeoutMs, cancellationToken).ConfigureAwait(false);
        return request.Acks == 0 ? null : response;
    }

    /// <summary>An acks=all partition waiting for its high watermark to pass <see cref="Offset"/>.</summary>
    private readonly record struct ReplicationWait(PartitionState Partition, PartitionLog Log, long Offset, int MinInsyncReplicas,
        ProduceResponse.PartitionProduceResponse Result);

    /// <summary>Waits (without blocking a thread) until every acks=all partition is replicated, or the request's timeout.</summary>
    private static async Task WaitForReplicasAsync(RequestContext context, List<ReplicationWait> waits, int timeoutMs, CancellationToken cancellationToken)
    {
        var reached = waits.Select(w => w.Log.WaitForHighWatermarkAsync(w.Offset)).ToArray();
        // Usually replicated already: the followers copy a producer's append on its thread (ReplicaFetcher.CopyNowOrWake).
        if (!Array.TrueForAll(reached, static r => r.IsCompleted))
        {
            try
            {
                await Task.WhenAll(reached).WaitAsync(TimeSpan.FromMilliseconds(Math.Max(timeoutMs, 0)), context.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                // Answered per partition below.
            }
        }
        for (var i = 0; i < waits.Count; i++)
        {
            var (partition, log, _, minInsyncReplicas, result) = waits[i];
            var error = !reached[i].IsCompleted ? ErrorCode.RequestTimedOut
                : !reached[i].Result ? ErrorCode.NotLeaderOrFollower
                : partition.Leadership.Isr.Count < minInsyncReplicas ? ErrorCode.NotEnoughReplicasAfterAppend
                : ErrorCode.None;
            if (!reached[i].IsCompleted) log.CancelHighWatermarkWait(reached[i]);
            if (error == ErrorCode.None) continue;
            result.ErrorCode = (short)error;
            result.BaseOffset = -1;
        }
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

    private static ProduceResponse.PartitionProduceResponse Append(RequestContext context, short acks, TopicState? topic, ProduceRequest.PartitionProduceData data,
        ref List<ReplicationWait>? waits)
    {
        var result = new ProduceResponse.PartitionProduceResponse { Index = data.Index, BaseOffset = -1 };
        var error = PartitionLookup.FindLed(context, topic, data.Index, -1, out var partition);
        if (error == ErrorCode.UnknownTopicOrPartition) return Fail(result, error);
        if (data.Records is not { } records) return Fail(result, ErrorCode.CorruptMessage);
        // Kafka (KafkaApis) checks the records against the request version for every known partition, led here or
        // not, before the replica manager looks at acks and leadership.
        var invalid = MessageFormats.ValidateProduce(context.ApiVersion, records.Span);
        if (invalid != ErrorCode.None) return Fail(result, invalid);
        if (acks is not (0 or 1 or -1)) return Fail(result, ErrorCode.InvalidRequiredAcks);
        if (error == ErrorCode.NotLeaderOrFollower && context.ApiVersion >= CurrentLeaderVersion)
        {
            result.CurrentLeader = new() { LeaderId = partition!.Leadership.Leader, LeaderEpoch = partition.Leadership.LeaderEpoch };
        }
        if (error != ErrorCode.None) return Fail(result, error);
        // Only the coordinators write to __consumer_offsets and __transaction_state (Kafka: "Cannot append to internal topic").
        if (topic!.IsInternal) return Fail(result, ErrorCode.InvalidTopicException);

        var config = topic.Config;
        var leadership = partition!.Leadership;
        if (acks == -1 && leadership.Isr.Count < config.MinInsyncReplicas) return Fail(result, ErrorCode.NotEnoughReplicas);
        var format = MessageFormats.ForAppend(records, config, out var converted);
        using var convertedRecords = converted;
        if (format != ErrorCode.None) return Fail(result, format);

        var stored = converted?.WrittenMemory ?? records;
        if (config.IsCompacted && RefuseKeylessRecords(result, stored, topic.Name, data.Index, config.MaxMessageBytes)) return result;
        var now = context.NowMs();
        var appended = partition.AppendAsLeader(context.Broker.Id, stored.Span,
            new AppendOptions(leadership.LeaderEpoch, now, config.UseLogAppendTime, config.MaxMessageBytes, config.MaxTimestampAheadMs, config.MaxTimestampBehindMs,
                config.SegmentBytes, config.SegmentMs));
        BrokerMetrics.Appended(context.Cluster, context.Broker.Id, topic.Name, appended, records.Length);
        // A retried idempotent batch the log already holds is answered as Kafka does: success, with the offsets of
        // the batch first written (UnifiedLog returns the duplicate's metadata, not DUPLICATE_SEQUENCE_NUMBER).
        result.ErrorCode = (short)(appended.Error == ErrorCode.DuplicateSequenceNumber ? ErrorCode.None : appended.Error);
        result.BaseOffset = appended.BaseOffset;
        result.LogAppendTimeMs = appended.LogAppendTimeMs;
        result.LogStartOffset = appended.LogStartOffset;
        // A retried batch counts as written once its original is replicated.
        if (acks == -1 && appended.Error is ErrorCode.None or ErrorCode.DuplicateSequenceNumber)
            (waits ??= []).Add(new ReplicationWait(partition, partition.ReplicaLog(context.Broker.Id), appended.LastOffset + 1, config.MinInsyncReplicas, result));
        return result;
    }

    /// <summary>
    /// A compacted topic takes only records with keys: INVALID_RECORD with one record error per keyless record and
    /// Kafka's messages. Records that fail validation are left for the log to refuse with its own error.
    /// </summary>
    private static bool RefuseKeylessRecords(ProduceResponse.PartitionProduceResponse result, ReadOnlyMemory<byte> records, string topic, int partition, int maxMessageBytes)
    {
        if (BatchValidator.Validate(records.Span, maxMessageBytes) != ErrorCode.None) return false;
        var keyless = KeylessRecords.Find(records);
        if (keyless.Count == 0) return false;
        var message = KeylessRecords.Message(topic, partition);
        foreach (var index in keyless) result.RecordErrors.Add(new() { BatchIndex = index, BatchIndexErrorMessage = message });
        result.ErrorMessage = KeylessRecords.Summary(keyless, message);
        Fail(result, ErrorCode.InvalidRecord);
        return true;
    }

    /// <summary>Whether any record batch of the request is transactional (Kafka's RequestUtils.hasTransactionalRecords).</summary>
    private static bool HasTransactionalBatches(ProduceRequest request)
    {
        foreach (var topic in request.TopicData)
        {
            foreach (var partition in topic.PartitionData)
            {
                if (partition.Records is { } records && TransactionalBatches.Any(records.Span)) return true;
            }
        }
        return false;
    }

    private static ProduceResponse.PartitionProduceResponse Fail(ProduceResponse.PartitionProduceResponse result, ErrorCode error)
    {
        result.ErrorCode = (short)error;
        return result;
    }
}
