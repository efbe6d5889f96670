using Tributary.Broker.Security;
using Tributary.Protocol;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>
/// How Kafka authorizes the APIs that write a group's offsets (OffsetCommit, TxnOffsetCommit, OffsetDelete): a
/// refusal of the whole request (the group, or the transactional id) answers every partition; otherwise each topic
/// needs READ, and a partition of a topic the principal may not read is TOPIC_AUTHORIZATION_FAILED before any
/// existence check.
/// </summary>
internal sealed class CommitAuthorization
{
    private readonly ErrorCode _requestError;
    private readonly HashSet<string> _deniedTopics;

    private CommitAuthorization(ErrorCode requestError, HashSet<string> deniedTopics)
    {
        _requestError = requestError;
        _deniedTopics = deniedTopics;
    }

    /// <summary>Checks READ on each of <paramref name="topics"/> unless <paramref name="requestError"/> already refuses the whole request.</summary>
    public static CommitAuthorization Check(RequestContext context, ErrorCode requestError, IEnumerable<string> topics) =>
        new(requestError, requestError != ErrorCode.None
            ? []
            : topics.Where(topic => !context.Authorize(AclOperation.Read, AclResourceType.Topic, topic)).ToHashSet(StringComparer.Ordinal));

    /// <summary>Whether the partitions of <paramref name="topic"/> may go to the coordinator (when they exist).</summary>
    public bool Allows(string topic) => _requestError == ErrorCode.None && !_deniedTopics.Contains(topic);

    /// <summary>The error of a partition of <paramref name="topic"/> that did not go to the coordinator.</summary>
    public ErrorCode HeldBack(string topic) =>
        _requestError != ErrorCode.None ? _requestError
        : _deniedTopics.Contains(topic) ? ErrorCode.TopicAuthorizationFailed
        : ErrorCode.UnknownTopicOrPartition;
}
