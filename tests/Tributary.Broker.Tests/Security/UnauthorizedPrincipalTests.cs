using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using static Tributary.Broker.Tests.Security.SecuredBroker;

namespace Tributary.Broker.Tests.Security;

/// <summary>A principal without any ACL is refused every API with the error Kafka gives, at the request's own place.</summary>
public sealed class UnauthorizedPrincipalTests : IDisposable
{
    private const string Mallory = "User:mallory";
    private readonly SecuredBroker _broker = new();

    private delegate Task<IEnumerable<short>> Case(SecuredBroker broker);

    private static readonly Guid UnknownId = Guid.NewGuid();

    private static readonly Dictionary<string, (ErrorCode Expected, Case Errors)> Cases = new()
    {
        ["Produce v9"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<ProduceResponse>(Mallory, Produce(null, TestBatches.Create()), 9)).Responses.SelectMany(t => t.PartitionResponses).Select(p => p.ErrorCode)),
        ["Produce v3 transactional"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            (await b.SendAsync<ProduceResponse>(Mallory, Produce("tx", Transactions.TransactionalBatches.Create(1, 0, 0)), 3)).Responses.SelectMany(t => t.PartitionResponses).Select(p => p.ErrorCode)),
        ["Fetch v11"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<FetchResponse>(Mallory, Fetch(Topic, Guid.Empty), 11)).Responses.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["Fetch v13 of a known topic id"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<FetchResponse>(Mallory, Fetch("", TopicId(b)), 13)).Responses.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["Fetch v13 of an unknown topic id"] = (ErrorCode.UnknownTopicId, async b =>
            (await b.SendAsync<FetchResponse>(Mallory, Fetch("", UnknownId), 13)).Responses.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["ListOffsets v7"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<ListOffsetsResponse>(Mallory, new ListOffsetsRequest
            {
                Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }],
            }, 7)).Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["Metadata v12 of a named topic"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<MetadataResponse>(Mallory, new MetadataRequest { Topics = [new() { Name = Topic }] }, 12)).Topics.Select(t => t.ErrorCode)),
        ["Metadata v4 of a topic that does not exist"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<MetadataResponse>(Mallory, new MetadataRequest { Topics = [new() { Name = "nowhere" }], AllowAutoTopicCreation = true }, 4)).Topics.Select(t => t.ErrorCode)),
        ["OffsetForLeaderEpoch v4"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<OffsetForLeaderEpochResponse>(Mallory, new OffsetForLeaderEpochRequest
            {
                Topics = [new() { Topic = Topic, Partitions = [new() { Partition = 0, LeaderEpoch = 0 }] }],
            }, 4)).Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["FindCoordinator v2 for a group"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<FindCoordinatorResponse>(Mallory, new FindCoordinatorRequest { Key = "g", KeyType = 0 }, 2)).ErrorCode]),
        ["FindCoordinator v4 for a transactional id"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            (await b.SendAsync<FindCoordinatorResponse>(Mallory, new FindCoordinatorRequest { CoordinatorKeys = ["tx"], KeyType = 1 }, 4)).Coordinators.Select(c => c.ErrorCode)),
        ["JoinGroup v9"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<JoinGroupResponse>(Mallory, new JoinGroupRequest
            {
                GroupId = "g", SessionTimeoutMs = 10_000, RebalanceTimeoutMs = 10_000, ProtocolType = "consumer",
                Protocols = [new() { Name = "range", Metadata = [] }],
            }, 9)).ErrorCode]),
        ["SyncGroup v5"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<SyncGroupResponse>(Mallory, new SyncGroupRequest { GroupId = "g", GenerationId = 1, MemberId = "m" }, 5)).ErrorCode]),
        ["Heartbeat v4"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<HeartbeatResponse>(Mallory, new HeartbeatRequest { GroupId = "g", GenerationId = 1, MemberId = "m" }, 4)).ErrorCode]),
        ["LeaveGroup v5"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<LeaveGroupResponse>(Mallory, new LeaveGroupRequest { GroupId = "g", Members = [new() { MemberId = "m" }] }, 5)).ErrorCode]),
        ["OffsetCommit v9"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            (await b.SendAsync<OffsetCommitResponse>(Mallory, new OffsetCommitRequest
            {
                GroupId = "g", Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }],
            }, 9)).Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["OffsetFetch v9"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            (await b.SendAsync<OffsetFetchResponse>(Mallory, new OffsetFetchRequest { Groups = [new() { GroupId = "g", Topics = null }] }, 9)).Groups.Select(g => g.ErrorCode)),
        ["OffsetFetch v7"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<OffsetFetchResponse>(Mallory, new OffsetFetchRequest { GroupId = "g", Topics = null }, 7)).ErrorCode]),
        ["OffsetFetch v1"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            (await b.SendAsync<OffsetFetchResponse>(Mallory, new OffsetFetchRequest
            {
                GroupId = "g", Topics = [new() { Name = Topic, PartitionIndexes = [0, 1] }],
            }, 1)).Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["DescribeGroups v5"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            (await b.SendAsync<DescribeGroupsResponse>(Mallory, new DescribeGroupsRequest { Groups = ["g", "h"] }, 5)).Groups.Select(g => g.ErrorCode)),
        ["ConsumerGroupDescribe v0"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            (await b.SendAsync<ConsumerGroupDescribeResponse>(Mallory, new ConsumerGroupDescribeRequest { GroupIds = ["g", "h"] }, 0)).Groups.Select(g => g.ErrorCode)),
        ["ConsumerGroupHeartbeat v1"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<ConsumerGroupHeartbeatResponse>(Mallory, new ConsumerGroupHeartbeatRequest
            {
                GroupId = "g", MemberId = Guid.NewGuid().ToString(), MemberEpoch = 0, RebalanceTimeoutMs = 30_000, SubscribedTopicNames = [Topic], TopicPartitions = [],
            }, 1)).ErrorCode]),
        ["DeleteGroups v2"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            (await b.SendAsync<DeleteGroupsResponse>(Mallory, new DeleteGroupsRequest { GroupsNames = ["g"] }, 2)).Results.Select(r => r.ErrorCode)),
        ["OffsetDelete v0"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            [(await b.SendAsync<OffsetDeleteResponse>(Mallory, new OffsetDeleteRequest
            {
                GroupId = "g", Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0 }] }],
            }, 0)).ErrorCode]),
        ["CreateTopics v7"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<CreateTopicsResponse>(Mallory, new CreateTopicsRequest { Topics = [new() { Name = "new", NumPartitions = 1, ReplicationFactor = 1 }] }, 7)).Topics.Select(t => t.ErrorCode)),
        ["DeleteTopics v6"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<DeleteTopicsResponse>(Mallory, new DeleteTopicsRequest { Topics = [new() { Name = Topic }] }, 6)).Responses.Select(t => t.ErrorCode)),
        ["DeleteTopics v1 of a topic that does not exist"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<DeleteTopicsResponse>(Mallory, new DeleteTopicsRequest { TopicNames = ["nowhere"] }, 1)).Responses.Select(t => t.ErrorCode)),
        ["DeleteRecords v2"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<DeleteRecordsResponse>(Mallory, new DeleteRecordsRequest
            {
                Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, Offset = 0 }] }],
            }, 2)).Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["CreatePartitions v3"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<CreatePartitionsResponse>(Mallory, new CreatePartitionsRequest { Topics = [new() { Name = Topic, Count = 4, Assignments = null }] }, 3)).Results.Select(r => r.ErrorCode)),
        ["DescribeConfigs v4 of a topic"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<DescribeConfigsResponse>(Mallory, new DescribeConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = Topic, ConfigurationKeys = null }] }, 4)).Results.Select(r => r.ErrorCode)),
        ["DescribeConfigs v4 of a broker"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            (await b.SendAsync<DescribeConfigsResponse>(Mallory, new DescribeConfigsRequest { Resources = [new() { ResourceType = 4, ResourceName = "1", ConfigurationKeys = null }] }, 4)).Results.Select(r => r.ErrorCode)),
        ["AlterConfigs v2 of a topic"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<AlterConfigsResponse>(Mallory, new AlterConfigsRequest { Resources = [new() { ResourceType = 2, ResourceName = Topic }] }, 2)).Responses.Select(r => r.ErrorCode)),
        ["IncrementalAlterConfigs v1 of a broker"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            (await b.SendAsync<IncrementalAlterConfigsResponse>(Mallory, new IncrementalAlterConfigsRequest { Resources = [new() { ResourceType = 4, ResourceName = "1" }] }, 1)).Responses.Select(r => r.ErrorCode)),
        ["DescribeConfigs v4 of a group"] = (ErrorCode.GroupAuthorizationFailed, async b =>
            (await b.SendAsync<DescribeConfigsResponse>(Mallory, new DescribeConfigsRequest { Resources = [new() { ResourceType = 32, ResourceName = "a-group", ConfigurationKeys = null }] }, 4)).Results.Select(r => r.ErrorCode)),
        ["IncrementalAlterConfigs v1 of client metrics"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            (await b.SendAsync<IncrementalAlterConfigsResponse>(Mallory, new IncrementalAlterConfigsRequest { Resources = [new() { ResourceType = 16, ResourceName = "metrics" }] }, 1)).Responses.Select(r => r.ErrorCode)),
        ["InitProducerId v5 with a transactional id"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            [(await b.SendAsync<InitProducerIdResponse>(Mallory, new InitProducerIdRequest { TransactionalId = "tx", TransactionTimeoutMs = 60_000 }, 5)).ErrorCode]),
        ["InitProducerId v0 for an idempotent producer"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            [(await b.SendAsync<InitProducerIdResponse>(Mallory, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 }, 0)).ErrorCode]),
        ["AddPartitionsToTxn v3"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            (await b.SendAsync<AddPartitionsToTxnResponse>(Mallory, new AddPartitionsToTxnRequest
            {
                V3AndBelowTransactionalId = "tx", V3AndBelowTopics = [new() { Name = Topic, Partitions = [0, 1] }],
            }, 3)).ResultsByTopicV3AndBelow.SelectMany(t => t.ResultsByPartition).Select(p => p.PartitionErrorCode)),
        ["AddOffsetsToTxn v4"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            [(await b.SendAsync<AddOffsetsToTxnResponse>(Mallory, new AddOffsetsToTxnRequest { TransactionalId = "tx", GroupId = "g" }, 4)).ErrorCode]),
        ["EndTxn v4"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            [(await b.SendAsync<EndTxnResponse>(Mallory, new EndTxnRequest { TransactionalId = "tx", Committed = true }, 4)).ErrorCode]),
        ["TxnOffsetCommit v4"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            (await b.SendAsync<TxnOffsetCommitResponse>(Mallory, new TxnOffsetCommitRequest
            {
                TransactionalId = "tx", GroupId = "g", Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }],
            }, 4)).Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["DescribeTransactions v0"] = (ErrorCode.TransactionalIdAuthorizationFailed, async b =>
            (await b.SendAsync<DescribeTransactionsResponse>(Mallory, new DescribeTransactionsRequest { TransactionalIds = ["tx"] }, 0)).TransactionStates.Select(t => t.ErrorCode)),
        ["DescribeProducers v0"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<DescribeProducersResponse>(Mallory, new DescribeProducersRequest { Topics = [new() { Name = Topic, PartitionIndexes = [0] }] }, 0)).Topics.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)),
        ["CreateAcls v3"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            (await b.SendAsync<CreateAclsResponse>(Mallory, new CreateAclsRequest
            {
                Creations = [new() { ResourceType = 2, ResourceName = Topic, ResourcePatternType = 3, Principal = Mallory, Host = "*", Operation = 2, PermissionType = 3 }],
            }, 3)).Results.Select(r => r.ErrorCode)),
        ["DescribeAcls v3"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            [(await b.SendAsync<DescribeAclsResponse>(Mallory, new DescribeAclsRequest { ResourceTypeFilter = 1, ResourceNameFilter = null, PatternTypeFilter = 1, PrincipalFilter = null, HostFilter = null, Operation = 1, PermissionType = 1 }, 3)).ErrorCode]),
        ["DeleteAcls v3"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            (await b.SendAsync<DeleteAclsResponse>(Mallory, new DeleteAclsRequest
            {
                Filters = [new() { ResourceTypeFilter = 1, ResourceNameFilter = null, PatternTypeFilter = 1, PrincipalFilter = null, HostFilter = null, Operation = 1, PermissionType = 1 }],
            }, 3)).FilterResults.Select(r => r.ErrorCode)),
        ["DescribeUserScramCredentials v0"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
        {
            var response = await b.SendAsync<DescribeUserScramCredentialsResponse>(Mallory, new DescribeUserScramCredentialsRequest { Users = [new() { Name = "alice" }] }, 0);
            return [response.ErrorCode, .. response.Results.Select(r => r.ErrorCode)];
        }),
        ["DescribeLogDirs v4"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
        {
            var response = await b.SendAsync<DescribeLogDirsResponse>(Mallory, new DescribeLogDirsRequest { Topics = null }, 4);
            Assert.Empty(response.Results);
            return [response.ErrorCode];
        }),
        ["DescribeTopicPartitions v0 of a named topic"] = (ErrorCode.TopicAuthorizationFailed, async b =>
            (await b.SendAsync<DescribeTopicPartitionsResponse>(Mallory, new DescribeTopicPartitionsRequest { Topics = [new() { Name = Topic }, new() { Name = "nowhere" }] }, 0))
                .Topics.Select(t => t.ErrorCode)),
        ["AlterPartitionReassignments v0"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
        {
            var response = await b.SendAsync<AlterPartitionReassignmentsResponse>(Mallory, new AlterPartitionReassignmentsRequest
            {
                Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, Replicas = [1] }] }],
            }, 0);
            return [response.ErrorCode, .. response.Responses.SelectMany(t => t.Partitions).Select(p => p.ErrorCode)];
        }),
        ["ListPartitionReassignments v0"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            [(await b.SendAsync<ListPartitionReassignmentsResponse>(Mallory, new ListPartitionReassignmentsRequest(), 0)).ErrorCode]),
        ["ElectLeaders v2"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
        {
            var response = await b.SendAsync<ElectLeadersResponse>(Mallory, new ElectLeadersRequest { TopicPartitions = [new() { Topic = Topic, Partitions = [0] }] }, 2);
            return [response.ErrorCode, .. response.ReplicaElectionResults.SelectMany(t => t.PartitionResult).Select(p => p.ErrorCode)];
        }),
        ["AlterUserScramCredentials v0"] = (ErrorCode.ClusterAuthorizationFailed, async b =>
            (await b.SendAsync<AlterUserScramCredentialsResponse>(Mallory, new AlterUserScramCredentialsRequest
            {
                Deletions = [new() { Name = "alice", Mechanism = 1 }],
            }, 0)).Results.Select(r => r.ErrorCode)),
    };

    public static TheoryData<string> Apis => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task A_principal_without_ACLs_is_refused_with_Kafkas_error(string api)
    {
        var (expected, errors) = Cases[api];

        var actual = (await errors(_broker)).ToList();

        Assert.NotEmpty(actual);
        Assert.All(actual, error => Assert.Equal(expected, (ErrorCode)error));
    }

    [Fact]
    public async Task Listing_topics_groups_and_transactions_shows_none_of_them_to_a_principal_without_ACLs()
    {
        _broker.Grant(AclBinding.Allow("User:admin", AclOperation.All, AclResourceType.Group, "*"), AclBinding.Allow("User:admin", AclOperation.All, AclResourceType.Topic, "*"));
        await _broker.SendAsync<OffsetCommitResponse>("User:admin", new OffsetCommitRequest
        {
            GroupId = "g", Topics = [new() { Name = Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }],
        }, 9);

        var metadata = await _broker.SendAsync<MetadataResponse>(Mallory, new MetadataRequest { Topics = null }, 12);
        var groups = await _broker.SendAsync<ListGroupsResponse>(Mallory, new ListGroupsRequest(), 5);
        var asAdmin = await _broker.SendAsync<ListGroupsResponse>("User:admin", new ListGroupsRequest(), 5);

        Assert.Empty(metadata.Topics);
        Assert.Empty(groups.Groups);
        Assert.Equal(["g"], asAdmin.Groups.Select(g => g.GroupId));
    }

    [Fact]
    public async Task DescribeCluster_answers_a_principal_without_ACLs_but_gives_it_no_authorized_operations()
    {
        var response = await _broker.SendAsync<DescribeClusterResponse>(Mallory, new DescribeClusterRequest { IncludeClusterAuthorizedOperations = true }, 1);

        Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
        Assert.Single(response.Brokers);
        Assert.Equal(0, response.ClusterAuthorizedOperations);
    }

    [Fact]
    public async Task An_unauthorized_metadata_request_by_topic_id_echoes_the_id_but_not_the_name()
    {
        var id = TopicId(_broker);

        var response = await _broker.SendAsync<MetadataResponse>(Mallory, new MetadataRequest { Topics = [new() { Name = null, TopicId = id }] }, 12);

        var topic = Assert.Single(response.Topics);
        Assert.Equal((ErrorCode.TopicAuthorizationFailed, (string?)null, id), ((ErrorCode)topic.ErrorCode, topic.Name, topic.TopicId));
    }

    private static Guid TopicId(SecuredBroker broker) => broker.Cluster.TryGetTopic(Topic, out var topic) ? topic.Id : throw new InvalidOperationException();

    private static ProduceRequest Produce(string? transactionalId, byte[] records) => new()
    {
        TransactionalId = transactionalId,
        Acks = -1,
        TimeoutMs = 1000,
        TopicData = [new() { Name = Topic, PartitionData = [new() { Index = 0, Records = records }, new() { Index = 1, Records = records }] }],
    };

    private static FetchRequest Fetch(string topic, Guid id) => new()
    {
        MaxWaitMs = 0,
        Topics = [new() { Topic = topic, TopicId = id, Partitions = [new() { Partition = 0, PartitionMaxBytes = 1 << 20 }] }],
    };

    public void Dispose() => _broker.Dispose();
}
