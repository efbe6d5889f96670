using Tributary.Broker.Groups;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// The answer OffsetCommit and TxnOffsetCommit share: only the partitions the cluster has reach the coordinator, yet
/// every partition the request names gets a result, in request order.
/// </summary>
internal static class OffsetCommitResults
{
    /// <summary>
    /// The coordinator's errors once its write to the group's <c>__consumer_offsets</c> partition is replicated to the
    /// in-sync replicas (acks=all, as Kafka answers a commit): the offsets it stored get the replication's error, if any.
    /// </summary>
    public static async Task<IReadOnlyList<ErrorCode>> ReplicatedAsync(RequestContext context, string groupId, IReadOnlyList<ErrorCode> errors, CancellationToken cancellationToken)
    {
        if (!errors.Contains(ErrorCode.None)) return errors;
        var replicated = await context.Groups.WaitReplicatedAsync(groupId, cancellationToken).ConfigureAwait(false);
        return replicated == ErrorCode.None ? errors : errors.Select(e => e == ErrorCode.None ? replicated : e).ToList();
    }

    /// <summary>
    /// One response topic per requested topic, one result per requested partition: the error the coordinator gave for
    /// it, or the error that held it back from the coordinator. A partition named twice gets the error of its last
    /// commit both times.
    /// </summary>
    /// <param name="requested">The request's topics with their partition indexes, in request order.</param>
    /// <param name="committed">The commits handed to the coordinator.</param>
    /// <param name="errors">The coordinator's answer, one error per entry of <paramref name="committed"/>.</param>
    /// <param name="heldBack">
    /// Why the partitions of a topic were held back from the coordinator: UNKNOWN_TOPIC_OR_PARTITION, or the
    /// authorization error that stopped them.
    /// </param>
    /// <param name="topic">Makes a response topic from its name and partition results.</param>
    /// <param name="partition">Makes a partition result from its index and error.</param>
    /// <remarks>The factories are needed because the two APIs' generated response classes share no type.</remarks>
    public static List<TTopic> PerRequestedPartition<TTopic, TPartition>(
        IEnumerable<(string Name, IEnumerable<int> Partitions)> requested,
        IEnumerable<PartitionOffsetCommit> committed,
        IEnumerable<ErrorCode> errors,
        Func<string, ErrorCode> heldBack,
        Func<string, List<TPartition>, TTopic> topic,
        Func<int, ErrorCode, TPartition> partition)
    {
        var errorByPartition = new Dictionary<OffsetKey, ErrorCode>();
        foreach (var (offset, error) in committed.Zip(errors))
            errorByPartition[offset.Key] = error;
        return requested
            .Select(requestedTopic => topic(requestedTopic.Name, requestedTopic.Partitions
                .Select(index => partition(index, errorByPartition.TryGetValue(new OffsetKey(requestedTopic.Name, index), out var error) ? error : heldBack(requestedTopic.Name)))
                .ToList()))
            .ToList();
    }
}
