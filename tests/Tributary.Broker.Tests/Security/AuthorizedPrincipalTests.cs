using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using static Tributary.Broker.Security.AclOperation;
using static Tributary.Broker.Security.AclResourceType;

namespace Tributary.Broker.Tests.Security;

/// <summary>What ACLs open, API by API, and the finer points where Kafka answers per topic, per partition or per field.</summary>
public sealed class AuthorizedPrincipalTests : IDisposable
{
    private const string Alice = "User:alice";
    private readonly SecuredBroker _broker = new();

    private Task<T> SendAsync<T>(IKafkaRequest request, short version) where T : IKafkaResponse => _broker.SendAsync<T>(Alice, request, version);

    [Fact]
    public async Task Metadata_for_every_topic_lists_only_the_topics_the_principal_may_describe()
    {
        _broker.Cluster.CreateTopic(new TopicSpec("sales-eu", 1, 1));
        _broker.Cluster.CreateTopic(new TopicSpec("sales-us", 1, 1));
        _broker.Grant(AclBinding.Allow(Alice, Read, Topic, "sales-", AclPatternType.Prefixed));

        var response = await SendAsync<MetadataResponse>(new MetadataRequest { Topics = null }, 12);

        Assert.Equal(["sales-eu", "sales-us"], response.Topics.Select(t => t.Name));
    }

    [Fact]
    public async Task Auto_creating_a_topic_needs_CREATE_on_the_topic_or_the_cluster_besides_DESCRIBE()
    {
        _broker.Grant(AclBinding.Allow(Alice, Describe, Topic, "*"), AclBinding.Allow(Alice, Create, Topic, "auto-", AclPatternType.Prefixed));

        var refused = await SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "other" }], AllowAutoTopicCreation = true }, 9);
        var created = await SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "auto-1" }], AllowAutoTopicCreation = true }, 9);
        var notAsked = await SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "other" }], AllowAutoTopicCreation = false }, 9);

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, (ErrorCode)refused.Topics[0].ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)created.Topics[0].ErrorCode);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, (ErrorCode)notAsked.Topics[0].ErrorCode);
        Assert.False(_broker.Cluster.TryGetTopic("other", out _));

        _broker.Grant(AclBinding.Allow(Alice, Create, AclResourceType.Cluster, AclBinding.ClusterResourceName));
        var byCluster = await SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = "other" }], AllowAutoTopicCreation = true }, 9);
        Assert.Equal(ErrorCode.None, (ErrorCode)byCluster.Topics[0].ErrorCode);
    }

    [Fact]
    public async Task Metadata_fills_topic_and_cluster_authorized_operations_when_asked()
    {
        _broker.Grant(AclBinding.Allow(Alice, Write, Topic, SecuredBroker.Topic), AclBinding.Allow(Alice, Describe, AclResourceType.Cluster, AclBinding.ClusterResourceName));

        var asked = await SendAsync<MetadataResponse>(new MetadataRequest
        {
            Topics = [new() { Name = SecuredBroker.Topic }], IncludeClusterAuthorizedOperations = true, IncludeTopicAuthorizedOperations = true,
        }, 10);
        var notAsked = await SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new() { Name = SecuredBroker.Topic }] }, 10);

        Assert.Equal((1 << (int)Write) | (1 << (int)Describe), asked.Topics[0].TopicAuthorizedOperations);
        Assert.Equal(1 << (int)Describe, asked.ClusterAuthorizedOperations);
        Assert.Equal(int.MinValue, notAsked.Topics[0].TopicAuthorizedOperations);
        Assert.Equal(int.MinValue, notAsked.ClusterAuthorizedOperations);
    }

    [Fact]
    public async Task DescribeGroups_refuses_groups_one_by_one_and_fills_authorized_operations_of_the_others()
    {
        _broker.Grant(AclBinding.Allow(Alice, Read, Group, "mine"));

        var response = await SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = ["theirs", "mine"], IncludeAuthorizedOperations = true }, 5);

        Assert.Equal([("theirs", ErrorCode.GroupAuthorizationFailed), ("mine", ErrorCode.None)], response.Groups.Select(g => (g.GroupId, (ErrorCode)g.ErrorCode)));
        Assert.Equal((1 << (int)Read) | (1 << (int)Describe), response.Groups[1].AuthorizedOperations);
    }

    [Fact]
    public async Task An_idempotent_producer_id_needs_IDEMPOTENT_WRITE_on_the_cluster_or_WRITE_on_any_topic()
    {
        var request = new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 };
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, (ErrorCode)(await SendAsync<InitProducerIdResponse>(request, 4)).ErrorCode);

        _broker.Grant(AclBinding.Allow(Alice, Write, Topic, "logs-", AclPatternType.Prefixed));
        var response = await SendAsync<InitProducerIdResponse>(request, 4);

        Assert.Equal(ErrorCode.None, (ErrorCode)response.ErrorCode);
        Assert.True(response.ProducerId >= 0);
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, (ErrorCode)(await _broker.SendAsync<InitProducerIdResponse>("User:bob", request, 4)).ErrorCode);
    }

    [Fact]
    public async Task AddPartitionsToTxn_names_the_topic_it_may_not_write_and_attempts_no_other_partition()
    {
        _broker.Cluster.CreateTopic(new TopicSpec("secret", 1, 1));
        _broker.Grant(AclBinding.Allow(Alice, Write, TransactionalId, "tx"), AclBinding.Allow(Alice, Write, Topic, SecuredBroker.Topic));

        var response = await SendAsync<AddPartitionsToTxnResponse>(new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = "tx",
            V3AndBelowTopics = [new() { Name = SecuredBroker.Topic, Partitions = [0] }, new() { Name = "secret", Partitions = [0] }, new() { Name = "__transaction_state", Partitions = [0] }],
        }, 3);

        Assert.Equal(
            [(SecuredBroker.Topic, ErrorCode.OperationNotAttempted), ("secret", ErrorCode.TopicAuthorizationFailed), ("__transaction_state", ErrorCode.TopicAuthorizationFailed)],
            response.ResultsByTopicV3AndBelow.Select(t => (t.Name, (ErrorCode)t.ResultsByPartition.Single().PartitionErrorCode)));
    }

    [Fact]
    public async Task OffsetCommit_with_READ_on_the_group_refuses_only_the_topics_the_principal_may_not_read()
    {
        _broker.Grant(AclBinding.Allow(Alice, Read, Group, "g"), AclBinding.Allow(Alice, Read, Topic, SecuredBroker.Topic));

        var response = await SendAsync<OffsetCommitResponse>(new OffsetCommitRequest
        {
            GroupId = "g",
            Topics =
            [
                new() { Name = SecuredBroker.Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 5 }, new() { PartitionIndex = 9, CommittedOffset = 5 }] },
                new() { Name = "secret", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 5 }] },
            ],
        }, 9);

        Assert.Equal([ErrorCode.None, ErrorCode.UnknownTopicOrPartition, ErrorCode.TopicAuthorizationFailed],
            response.Topics.SelectMany(t => t.Partitions).Select(p => (ErrorCode)p.ErrorCode));
    }

    [Fact]
    public async Task OffsetFetch_hides_topics_the_principal_may_not_describe_and_refuses_them_when_named()
    {
        _broker.Grant(AclBinding.Allow("User:admin", All, Group, "g"), AclBinding.Allow("User:admin", All, Topic, "*"));
        _broker.Cluster.CreateTopic(new TopicSpec("secret", 1, 1));
        await _broker.SendAsync<OffsetCommitResponse>("User:admin", new OffsetCommitRequest
        {
            GroupId = "g",
            Topics = [new() { Name = SecuredBroker.Topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 5 }] }, new() { Name = "secret", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 7 }] }],
        }, 9);
        _broker.Grant(AclBinding.Allow(Alice, Describe, Group, "g"), AclBinding.Allow(Alice, Describe, Topic, SecuredBroker.Topic));

        var all = await SendAsync<OffsetFetchResponse>(new OffsetFetchRequest { Groups = [new() { GroupId = "g", Topics = null }] }, 9);
        var named = await SendAsync<OffsetFetchResponse>(new OffsetFetchRequest
        {
            Groups = [new() { GroupId = "g", Topics = [new() { Name = SecuredBroker.Topic, PartitionIndexes = [0] }, new() { Name = "secret", PartitionIndexes = [0] }] }],
        }, 9);

        Assert.Equal([(SecuredBroker.Topic, 5L)], all.Groups[0].Topics.Select(t => (t.Name, t.Partitions[0].CommittedOffset)));
        Assert.Equal([(SecuredBroker.Topic, 5L, ErrorCode.None), ("secret", -1L, ErrorCode.TopicAuthorizationFailed)],
            named.Groups[0].Topics.Select(t => (t.Name, t.Partitions[0].CommittedOffset, (ErrorCode)t.Partitions[0].ErrorCode)));
    }

    [Fact]
    public async Task CreateTopics_reports_configs_only_to_a_principal_that_may_describe_them()
    {
        _broker.Grant(AclBinding.Allow(Alice, Create, Topic, "*"), AclBinding.Allow(Alice, DescribeConfigs, Topic, "open"));

        var response = await SendAsync<CreateTopicsResponse>(new CreateTopicsRequest
        {
            Topics = [new() { Name = "closed", NumPartitions = 2, ReplicationFactor = 1 }, new() { Name = "open", NumPartitions = 2, ReplicationFactor = 1 }],
        }, 7);

        var (closed, open) = (response.Topics[0], response.Topics[1]);
        Assert.Equal((ErrorCode.None, ErrorCode.TopicAuthorizationFailed, -1), ((ErrorCode)closed.ErrorCode, (ErrorCode)closed.TopicConfigErrorCode, closed.NumPartitions));
        Assert.True(closed.Configs is null or { Count: 0 });
        Assert.NotEqual(Guid.Empty, closed.TopicId);
        Assert.Equal((ErrorCode.None, ErrorCode.None, 2), ((ErrorCode)open.ErrorCode, (ErrorCode)open.TopicConfigErrorCode, open.NumPartitions));
        Assert.NotEmpty(open.Configs!);
    }

    [Fact]
    public async Task DeleteTopics_by_id_echoes_the_name_only_to_a_principal_that_may_describe_the_topic()
    {
        Assert.True(_broker.Cluster.TryGetTopic(SecuredBroker.Topic, out var topic));
        var request = new DeleteTopicsRequest { Topics = [new() { Name = null, TopicId = topic.Id }] };

        var blind = await SendAsync<DeleteTopicsResponse>(request, 6);
        _broker.Grant(AclBinding.Allow(Alice, Describe, Topic, SecuredBroker.Topic));
        var seeing = await SendAsync<DeleteTopicsResponse>(request, 6);
        _broker.Grant(AclBinding.Allow(Alice, Delete, Topic, SecuredBroker.Topic));
        var deleting = await SendAsync<DeleteTopicsResponse>(request, 6);

        Assert.Equal((ErrorCode.TopicAuthorizationFailed, (string?)null), ((ErrorCode)blind.Responses[0].ErrorCode, blind.Responses[0].Name));
        Assert.Equal((ErrorCode.TopicAuthorizationFailed, (string?)SecuredBroker.Topic), ((ErrorCode)seeing.Responses[0].ErrorCode, seeing.Responses[0].Name));
        Assert.Equal(ErrorCode.None, (ErrorCode)deleting.Responses[0].ErrorCode);
        Assert.False(_broker.Cluster.TryGetTopic(SecuredBroker.Topic, out _));
    }

    [Fact]
    public async Task A_transactional_produce_needs_WRITE_on_both_the_transactional_id_and_the_topic()
    {
        var init = await SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = "tx", TransactionTimeoutMs = 60_000 }, 4);
        Assert.Equal(ErrorCode.TransactionalIdAuthorizationFailed, (ErrorCode)init.ErrorCode);
        _broker.Grant(AclBinding.Allow(Alice, Write, TransactionalId, "tx"));
        init = await SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = "tx", TransactionTimeoutMs = 60_000 }, 4);
        var records = Transactions.TransactionalBatches.Create(init.ProducerId, init.ProducerEpoch, 0);
        var produce = new ProduceRequest
        {
            TransactionalId = "tx", Acks = -1, TimeoutMs = 1000,
            TopicData = [new() { Name = SecuredBroker.Topic, PartitionData = [new() { Index = 0, Records = records }] }],
        };

        var withoutTopic = await SendAsync<ProduceResponse>(produce, 9);
        _broker.Grant(AclBinding.Allow(Alice, Write, Topic, SecuredBroker.Topic));
        await SendAsync<AddPartitionsToTxnResponse>(new AddPartitionsToTxnRequest
        {
            V3AndBelowTransactionalId = "tx", V3AndBelowProducerId = init.ProducerId, V3AndBelowProducerEpoch = init.ProducerEpoch,
            V3AndBelowTopics = [new() { Name = SecuredBroker.Topic, Partitions = [0] }],
        }, 3);
        var withTopic = await SendAsync<ProduceResponse>(produce, 9);

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, (ErrorCode)withoutTopic.Responses[0].PartitionResponses[0].ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)withTopic.Responses[0].PartitionResponses[0].ErrorCode);
    }

    [Fact]
    public async Task Super_users_and_allow_everyone_if_no_acl_found_open_what_no_ACL_allows()
    {
        using var withSuperUser = new SecuredBroker(superUsers: "User:root");
        using var openByDefault = new SecuredBroker(allowEveryoneIfNoAclFound: true);
        openByDefault.Grant(AclBinding.Allow("User:bob", Read, Topic, "guarded"));
        var request = new DeleteRecordsRequest { Topics = [new() { Name = SecuredBroker.Topic, Partitions = [new() { PartitionIndex = 0, Offset = 0 }] }] };
        var guarded = new DescribeProducersRequest { Topics = [new() { Name = "guarded", PartitionIndexes = [0] }] };

        var root = await withSuperUser.SendAsync<DeleteRecordsResponse>("User:root", request, 2);
        var anyone = await openByDefault.SendAsync<DeleteRecordsResponse>(Alice, request, 2);
        var notBob = await openByDefault.SendAsync<DescribeProducersResponse>(Alice, guarded, 0);

        Assert.Equal(ErrorCode.None, (ErrorCode)root.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)anyone.Topics[0].Partitions[0].ErrorCode);
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, (ErrorCode)notBob.Topics[0].Partitions[0].ErrorCode);
    }

    [Fact]
    public async Task A_KIP_848_member_needs_DESCRIBE_on_each_subscribed_topic_and_describing_its_group_can_list_the_allowed_operations()
    {
        _broker.Grant(AclBinding.Allow(Alice, Read, Group, "g"));
        ConsumerGroupHeartbeatRequest Join() => new()
        {
            GroupId = "g", MemberId = Guid.NewGuid().ToString(), MemberEpoch = 0, RebalanceTimeoutMs = 30_000, SubscribedTopicNames = [SecuredBroker.Topic], TopicPartitions = [],
        };

        var refused = await SendAsync<ConsumerGroupHeartbeatResponse>(Join(), 1);
        _broker.Grant(AclBinding.Allow(Alice, Describe, Topic, SecuredBroker.Topic));
        var joined = await SendAsync<ConsumerGroupHeartbeatResponse>(Join(), 1);
        var described = await SendAsync<ConsumerGroupDescribeResponse>(new ConsumerGroupDescribeRequest { GroupIds = ["g"], IncludeAuthorizedOperations = true }, 0);
        var notAsked = await SendAsync<ConsumerGroupDescribeResponse>(new ConsumerGroupDescribeRequest { GroupIds = ["g"] }, 0);

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, (ErrorCode)refused.ErrorCode);
        Assert.Contains(SecuredBroker.Topic, refused.ErrorMessage);
        Assert.Equal(ErrorCode.None, (ErrorCode)joined.ErrorCode);
        Assert.Equal(ErrorCode.None, (ErrorCode)described.Groups[0].ErrorCode);
        // READ on a group implies DESCRIBE, as in Kafka's authorizer.
        Assert.Equal((1 << (int)Read) | (1 << (int)Describe), described.Groups[0].AuthorizedOperations);
        Assert.Equal(int.MinValue, notAsked.Groups[0].AuthorizedOperations);
    }

    public void Dispose() => _broker.Dispose();
}
