using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// FindCoordinator: the group or transaction coordinator for a key is the leader of the key's partition of
/// <c>__consumer_offsets</c> (groups) or <c>__transaction_state</c> (transactional ids), partition
/// <c>abs(key.hashCode()) % partitions</c> as in Kafka (<see cref="CoordinatorPlacement"/>); the first lookup creates
/// the topic, as Kafka does. The other brokers answer that key's requests with NOT_COORDINATOR, which sends clients
/// back here; the leader answers COORDINATOR_LOAD_IN_PROGRESS while it replays the partition after becoming leader.
/// A partition without a leader is COORDINATOR_NOT_AVAILABLE.
/// A group key needs DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED), a transaction key DESCRIBE on the
/// transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), checked before anything else as in Kafka.
/// </summary>
internal sealed class FindCoordinatorHandler : ApiHandler<FindCoordinatorRequest>
{
    private const short BatchedVersion = 4;
    private const sbyte GroupKey = 0;
    private const sbyte TransactionKey = 1;

    public override ApiKey ApiKey => ApiKey.FindCoordinator;
    public override short MinVersion => 0;
    public override short MaxVersion => 6;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request, CancellationToken cancellationToken)
    {
        var response = new FindCoordinatorResponse();
        if (context.ApiVersion >= BatchedVersion)
        {
            response.Coordinators = request.CoordinatorKeys.Select(key =>
            {
                var (error, message, node) = Find(context, key, request.KeyType);
                return new FindCoordinatorResponse.Coordinator
                {
                    Key = key, ErrorCode = (short)error, ErrorMessage = message,
                    NodeId = node?.Id ?? -1, Host = node?.Host ?? "", Port = node?.PortOn(context.Listener) ?? -1,
                };
            }).ToList();
        }
        else
        {
            var (error, message, node) = Find(context, request.Key, request.KeyType);
            response.ErrorCode = (short)error;
            response.ErrorMessage = message;
            response.NodeId = node?.Id ?? -1;
            response.Host = node?.Host ?? "";
            response.Port = node?.PortOn(context.Listener) ?? -1;
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static (ErrorCode, string?, BrokerNode?) Find(RequestContext context, string key, sbyte keyType)
    {
        var denied = keyType switch
        {
            GroupKey when !context.Authorize(AclOperation.Describe, AclResourceType.Group, key) => ErrorCode.GroupAuthorizationFailed,
            TransactionKey when !context.Authorize(AclOperation.Describe, AclResourceType.TransactionalId, key) => ErrorCode.TransactionalIdAuthorizationFailed,
            _ => ErrorCode.None,
        };
        if (denied != ErrorCode.None) return (denied, AuthorizationMessages.Of(denied), null);
        if (keyType is not (GroupKey or TransactionKey)) return (ErrorCode.InvalidRequest, $"Unknown coordinator key type {keyType}.", null);
        var coordinator = context.Cluster.Coordinators.CoordinatorOf((CoordinatorType)keyType, key);
        return coordinator is null ? (ErrorCode.CoordinatorNotAvailable, "The coordinator is not available.", null) : (ErrorCode.None, null, coordinator);
    }
}
