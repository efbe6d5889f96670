using Tributary.Broker.Cluster;
using Tributary.Broker.Log;
using Tributary.Broker.Metrics;
using Tributary.Broker.Replication;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using IsolationLevel = Tributary.Broker.Log.IsolationLevel;

namespace Tributary.Broker.Handlers;

/// <summary>
/// Fetch: returns stored batches as they are, never past the high watermark (read_uncommitted) or the last
/// stable offset (read_committed), waiting up to max wait for min bytes (woken by appends and by high
/// watermark advances, as followers copy). Records between the high watermark and the log end are invisible.
/// Sessionless: every answer is a full response with session id 0, which is what librdkafka asks for
/// (session id 0, epoch -1) and what Java clients accept as "the broker does not keep sessions".
/// Each topic needs READ (else its partitions get TOPIC_AUTHORIZATION_FAILED); from v13 an unknown topic id is
/// UNKNOWN_TOPIC_ID before that check, as in Kafka.
/// Fetch from follower (KIP-392, v11+): a follower replica serves consumers too, up to the high watermark it learned
/// from its leader (an offset past its log end is OFFSET_OUT_OF_RANGE, one between its high watermark and log end an
/// empty answer); a broker without a replica answers NOT_LEADER_OR_FOLLOWER. With <c>replica.selector.class</c> set to
/// the rack-aware selector, a leader answers a consumer whose <c>rack_id</c> matches a follower's rack (and not its
/// own) with that follower as <c>preferred_read_replica</c>, the offsets, no records, and at once.
/// </summary>
/// <remarks>
/// v0-3 read message sets: stored batches are converted down to format 0 (v0-1) or 1 (v2-3), as Kafka 3.x does
/// (<see cref="MessageFormats.ForFetch"/>): control batches left out, headers dropped, at least one whole entry.
/// Before v10 a zstd topic answers UNSUPPORTED_COMPRESSION_TYPE. v3 adds the response size limit, v4 isolation
/// and aborted transactions, v5 the log start offset, v7 sessions, v11 rack, v12 the current leader, v13 topic ids.
/// </remarks>
internal sealed class FetchHandler : ApiHandler<FetchRequest>
{
    private const int NoSession = 0;
    private const int FullFetchEpoch = -1;
    private const int InitialSessionEpoch = 0;
    private const short TopicIdVersion = 13;
    private const short CurrentLeaderVersion = 12;
    private const short RackVersion = 11;
    private const int TopicFieldsAllowance = 32; // name length, topic id, array length, tagged fields
    private const int PartitionFieldsAllowance = 80; // index, error, offsets, array lengths, leader, tagged fields
    private const int AbortedTransactionSize = 24;

    public override ApiKey ApiKey => ApiKey.Fetch;
    public override short MinVersion => 0;
    public override short MaxVersion => 17;

    protected override async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, FetchRequest request, CancellationToken cancellationToken)
    {
        if (request.SessionId != NoSession)
            return new FetchResponse { ErrorCode = (short)ErrorCode.FetchSessionIdNotFound };
        if (request.SessionEpoch is not (FullFetchEpoch or InitialSessionEpoch))
            return new FetchResponse { ErrorCode = (short)ErrorCode.InvalidFetchSessionEpoch };

        var response = Read(context, request, out var positions, out var bytes, out var answerNow);
        if (bytes >= request.MinBytes || answerNow || request.MaxWaitMs <= 0) return response;

        await FetchWaiter.WaitAsync(positions, request.MinBytes, TimeSpan.FromMilliseconds(request.MaxWaitMs), context.Time, cancellationToken).ConfigureAwait(false);
        return Read(context, request, out _, out _, out _);
    }

    /// <summary>The stored bytes copied into the response plus an allowance for each topic's and partition's fixed fields.</summary>
    public override int ResponseSizeHint(IKafkaResponse response, int referenceThreshold)
    {
        long size = 0;
        foreach (var topic in ((FetchResponse)response).Responses)
        {
            size += TopicFieldsAllowance + (topic.Topic?.Length ?? 0);
            foreach (var partition in topic.Partitions)
            {
                var records = partition.Records?.Length ?? 0;
                var copied = PooledBufferWriter.IsReferenced(records, referenceThreshold) ? 0 : records;
                size += PartitionFieldsAllowance + copied + (partition.AbortedTransactions?.Count ?? 0) * AbortedTransactionSize;
            }
        }
        return (int)Math.Min(size, int.MaxValue / 2);
    }

    /// <summary>
    /// One pass over the requested partitions, honouring partition and response byte limits. <paramref name="answerNow"/>
    /// says a partition has an error or a preferred read replica, which Kafka answers without waiting.
    /// </summary>
    private static FetchResponse Read(RequestContext context, FetchRequest request, out List<FetchWaiter.Position> positions, out long bytes, out bool answerNow)
    {
        var isolation = (IsolationLevel)request.IsolationLevel;
        var followersServe = context.ApiVersion >= RackVersion;
        var selectReplica = followersServe && context.Cluster.Settings.RackAwareReplicaSelector;
        var response = new FetchResponse { SessionId = NoSession };
        positions = new List<FetchWaiter.Position>();
        bytes = 0;
        answerNow = false;
        foreach (var fetchTopic in request.Topics)
        {
            var topic = context.ApiVersion >= TopicIdVersion
                ? (context.Cluster.TryGetTopic(fetchTopic.TopicId, out var byId) ? byId : null)
                : PartitionLookup.Topic(context, fetchTopic.Topic);
            var unknownTopicError = context.ApiVersion >= TopicIdVersion ? ErrorCode.UnknownTopicId : ErrorCode.UnknownTopicOrPartition;
            var name = topic?.Name ?? fetchTopic.Topic;
            var denied = (topic is not null || context.ApiVersion < TopicIdVersion) && !context.Authorize(AclOperation.Read, AclResourceType.Topic, name);
            var topicResponse = new FetchResponse.FetchableTopicResponse { Topic = fetchTopic.Topic, TopicId = fetchTopic.TopicId };
            foreach (var fetchPartition in fetchTopic.Partitions)
            {
                var data = new FetchResponse.PartitionData
                {
                    PartitionIndex = fetchPartition.Partition,
                    HighWatermark = -1,
                    Records = ReadOnlyMemory<byte>.Empty,
                    AbortedTransactions = isolation == IsolationLevel.ReadCommitted ? new() : null,
                };
                PartitionState? partition = null;
                var error = denied ? ErrorCode.TopicAuthorizationFailed
                    : topic is null ? unknownTopicError
                    : PartitionLookup.FindLed(context, topic, fetchPartition.Partition, fetchPartition.CurrentLeaderEpoch, out partition, followersServe);
                if (error == ErrorCode.None && selectReplica && partition!.Leadership.Leader == context.Broker.Id
                    && RackAwareReplicaSelector.PreferredReadReplica(context.Cluster, partition, request.RackId, fetchPartition.FetchOffset) is var preferred and >= 0)
                {
                    // Kafka skips the read and names the replica to read from, with the leader's offsets.
                    var leaderLog = partition.ReplicaLog(context.Broker.Id);
                    data.PreferredReadReplica = preferred;
                    data.HighWatermark = leaderLog.HighWatermark;
                    data.LastStableOffset = leaderLog.LastStableOffset;
                    data.LogStartOffset = leaderLog.LogStartOffset;
                    answerNow = true;
                    topicResponse.Partitions.Add(data);
                    continue;
                }
                if (error == ErrorCode.None)
                {
                    var limit = (int)Math.Min(fetchPartition.PartitionMaxBytes, Math.Max(request.MaxBytes - bytes, 0));
                    var log = partition!.ReplicaLog(context.Broker.Id);
                    var read = log.Read(fetchPartition.FetchOffset, limit, isolation);
                    context.HoldUntilWritten(read);
                    error = MessageFormats.ForFetch(context.ApiVersion, topic!.Config, read.Records, fetchPartition.FetchOffset, out var records);
                    if (error != ErrorCode.None)
                    {
                        // Kafka answers a format error like any partition error: no offsets, no records.
                        data.ErrorCode = (short)error;
                        answerNow = true;
                        topicResponse.Partitions.Add(data);
                        continue;
                    }
                    error = read.Error;
                    data.HighWatermark = read.HighWatermark;
                    data.LastStableOffset = read.LastStableOffset;
                    data.LogStartOffset = read.LogStartOffset;
                    // Only the first data in a response may exceed the limits (so one big batch never blocks a consumer).
                    if (records.Length <= limit || bytes == 0) data.Records = records;
                    bytes += data.Records!.Value.Length;
                    BrokerMetrics.Fetched(context.Cluster, context.Broker.Id, topic.Name, data.Records.Value.Length);
                    if (data.AbortedTransactions is not null && !data.Records.Value.IsEmpty)
                    {
                        data.AbortedTransactions.AddRange(read.AbortedTransactions.Select(t =>
                            new FetchResponse.AbortedTransaction { ProducerId = t.ProducerId, FirstOffset = t.FirstOffset }));
                    }
                    positions.Add(new FetchWaiter.Position(log, fetchPartition.FetchOffset, isolation));
                }
                else if (error == ErrorCode.NotLeaderOrFollower && context.ApiVersion >= CurrentLeaderVersion && partition is not null)
                {
                    data.CurrentLeader = new() { LeaderId = partition.Leadership.Leader, LeaderEpoch = partition.Leadership.LeaderEpoch };
                }
                data.ErrorCode = (short)error;
                answerNow |= error != ErrorCode.None;
                topicResponse.Partitions.Add(data);
            }
            response.Responses.Add(topicResponse);
        }
        return response;
    }
}
