using Tributary.Protocol;

namespace Tributary.Broker.Handlers;

/// <summary>The messages Kafka gives with its authorization errors where a response carries a message.</summary>
internal static class AuthorizationMessages
{
    /// <summary>Kafka's default message for <paramref name="error"/>; null for errors that are not about authorization.</summary>
    public static string? Of(ErrorCode error) => error switch
    {
        ErrorCode.TopicAuthorizationFailed => "Topic authorization failed.",
        ErrorCode.GroupAuthorizationFailed => "Group authorization failed.",
        ErrorCode.ClusterAuthorizationFailed => "Cluster authorization failed.",
        ErrorCode.TransactionalIdAuthorizationFailed => "Transactional Id authorization failed.",
        _ => null,
    };
}
