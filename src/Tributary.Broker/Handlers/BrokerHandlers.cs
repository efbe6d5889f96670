using Tributary.Broker.Handlers.Acls;
using Tributary.Broker.Handlers.Groups;
using Tributary.Broker.Handlers.Replication;
using Tributary.Broker.Handlers.Security;
using Tributary.Broker.Handlers.Transactions;

namespace Tributary.Broker.Handlers;

/// <summary>
/// The one list of the APIs the broker serves. A handler declares its key and versions itself and gets
/// everything else from the <see cref="RequestContext"/>, so adding an API is one line here.
/// </summary>
/// <remarks>
/// WriteTxnMarkers is not served: the transaction coordinator writes markers itself.
/// </remarks>
internal static class BrokerHandlers
{
    /// <summary>A fresh set of every handler.</summary>
    public static IReadOnlyList<IApiHandler> Create() =>
    [
        // Core: produce, fetch, metadata, admin.
        new ApiVersionsHandler(),
        new ProduceHandler(),
        new FetchHandler(),
        new ListOffsetsHandler(),
        new MetadataHandler(),
        new FindCoordinatorHandler(),
        new CreateTopicsHandler(),
        new DeleteTopicsHandler(),
        new DeleteRecordsHandler(),
        new OffsetForLeaderEpochHandler(),
        new DescribeConfigsHandler(),
        new AlterConfigsHandler(),
        new CreatePartitionsHandler(),
        new IncrementalAlterConfigsHandler(),
        new DescribeClusterHandler(),
        new DescribeTopicPartitionsHandler(),
        new DescribeLogDirsHandler(),

        // Replica placement and leadership.
        new AlterPartitionReassignmentsHandler(),
        new ListPartitionReassignmentsHandler(),
        new ElectLeadersHandler(),

        // Consumer groups (classic protocol).
        new JoinGroupHandler(),
        new SyncGroupHandler(),
        new HeartbeatHandler(),
        new LeaveGroupHandler(),
        new OffsetCommitHandler(),
        new OffsetFetchHandler(),
        new DescribeGroupsHandler(),
        new ListGroupsHandler(),
        new DeleteGroupsHandler(),
        new OffsetDeleteHandler(),

        // Consumer groups (the consumer group protocol, KIP-848).
        new ConsumerGroupHeartbeatHandler(),
        new ConsumerGroupDescribeHandler(),

        // Producer ids and transactions.
        new InitProducerIdHandler(),
        new AddPartitionsToTxnHandler(),
        new AddOffsetsToTxnHandler(),
        new EndTxnHandler(),
        new TxnOffsetCommitHandler(),
        new DescribeTransactionsHandler(),
        new ListTransactionsHandler(),
        new DescribeProducersHandler(),

        // ACLs.
        new CreateAclsHandler(),
        new DescribeAclsHandler(),
        new DeleteAclsHandler(),

        // Security (the SASL exchange itself runs before the dispatcher; these answer requests outside it).
        new SaslHandshakeHandler(),
        new SaslAuthenticateHandler(),
        new DescribeUserScramCredentialsHandler(),
        new AlterUserScramCredentialsHandler(),
    ];
}
