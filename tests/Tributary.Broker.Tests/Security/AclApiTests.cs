using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Security;

/// <summary>CreateAcls, DescribeAcls and DeleteAcls at every version Kafka 3.9 serves, with its validation errors.</summary>
public sealed class AclApiTests : IDisposable
{
    private const string Admin = "User:admin";
    private readonly SecuredBroker _broker = new(superUsers: Admin);

    public static TheoryData<short> Versions => new(0, 1, 2, 3);

    private static CreateAclsRequest.AclCreation Creation(AclResourceType type, string name, AclPatternType pattern, string principal,
        AclOperation operation, AclPermissionType permission = AclPermissionType.Allow, string host = "*") => new()
    {
        ResourceType = (sbyte)type, ResourceName = name, ResourcePatternType = (sbyte)pattern, Principal = principal, Host = host,
        Operation = (sbyte)operation, PermissionType = (sbyte)permission,
    };

    private static DescribeAclsRequest DescribeAll(AclPatternType pattern = AclPatternType.Any) => new()
    {
        ResourceTypeFilter = (sbyte)AclResourceType.Any, ResourceNameFilter = null, PatternTypeFilter = (sbyte)pattern,
        PrincipalFilter = null, HostFilter = null, Operation = (sbyte)AclOperation.Any, PermissionType = (sbyte)AclPermissionType.Any,
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Acls_are_created_described_by_resource_and_deleted_with_what_each_filter_matched(short version)
    {
        // v0 has no pattern type field: literal only, and filters read as literal.
        var pattern = version == 0 ? AclPatternType.Literal : AclPatternType.Prefixed;
        var created = await _broker.SendAsync<CreateAclsResponse>(Admin, new CreateAclsRequest
        {
            Creations =
            [
                Creation(AclResourceType.Topic, "orders", AclPatternType.Literal, "User:alice", AclOperation.Read),
                Creation(AclResourceType.Topic, "orders", AclPatternType.Literal, "User:bob", AclOperation.Write, AclPermissionType.Deny, "10.0.0.1"),
                Creation(AclResourceType.Group, "billing-", pattern, "User:alice", AclOperation.All),
            ],
        }, version);
        Assert.All(created.Results, r => Assert.Equal((ErrorCode.None, (string?)null), ((ErrorCode)r.ErrorCode, r.ErrorMessage)));

        var described = await _broker.SendAsync<DescribeAclsResponse>(Admin, DescribeAll(version == 0 ? AclPatternType.Literal : AclPatternType.Any), version);

        Assert.Equal(ErrorCode.None, (ErrorCode)described.ErrorCode);
        var orders = Assert.Single(described.Resources, r => r.ResourceName == "orders");
        Assert.Equal([("User:alice", "*", AclOperation.Read, AclPermissionType.Allow), ("User:bob", "10.0.0.1", AclOperation.Write, AclPermissionType.Deny)],
            orders.Acls.Select(a => (a.Principal, a.Host, (AclOperation)a.Operation, (AclPermissionType)a.PermissionType)));
        var billing = Assert.Single(described.Resources, r => r.ResourceName == "billing-");
        Assert.Equal((AclResourceType.Group, pattern), ((AclResourceType)billing.ResourceType, (AclPatternType)billing.PatternType));

        var deleted = await _broker.SendAsync<DeleteAclsResponse>(Admin, new DeleteAclsRequest
        {
            Filters =
            [
                new() { ResourceTypeFilter = (sbyte)AclResourceType.Topic, ResourceNameFilter = "orders", PatternTypeFilter = (sbyte)AclPatternType.Literal,
                    PrincipalFilter = "User:bob", HostFilter = null, Operation = (sbyte)AclOperation.Any, PermissionType = (sbyte)AclPermissionType.Any },
                new() { ResourceTypeFilter = (sbyte)AclResourceType.Cluster, ResourceNameFilter = null, PatternTypeFilter = (sbyte)AclPatternType.Literal,
                    PrincipalFilter = null, HostFilter = null, Operation = (sbyte)AclOperation.Any, PermissionType = (sbyte)AclPermissionType.Any },
            ],
        }, version);

        var bob = Assert.Single(deleted.FilterResults[0].MatchingAcls);
        Assert.Equal(("orders", "User:bob", "10.0.0.1", AclOperation.Write), (bob.ResourceName, bob.Principal, bob.Host, (AclOperation)bob.Operation));
        Assert.Empty(deleted.FilterResults[1].MatchingAcls);
        Assert.Equal(2, _broker.Authorizer.Find(AclBindingFilter.All).Count);
    }

    [Fact]
    public async Task Creating_an_ACL_twice_stores_it_once()
    {
        var creation = Creation(AclResourceType.TransactionalId, "tx", AclPatternType.Literal, "User:alice", AclOperation.Write);

        await _broker.SendAsync<CreateAclsResponse>(Admin, new CreateAclsRequest { Creations = [creation, creation] }, 3);
        await _broker.SendAsync<CreateAclsResponse>(Admin, new CreateAclsRequest { Creations = [creation] }, 3);

        Assert.Single(_broker.Authorizer.Find(AclBindingFilter.All));
    }

    [Fact]
    public async Task Invalid_ACLs_are_refused_one_by_one_with_INVALID_REQUEST_and_a_reason()
    {
        var response = await _broker.SendAsync<CreateAclsResponse>(Admin, new CreateAclsRequest
        {
            Creations =
            [
                Creation(AclResourceType.Cluster, "my-cluster", AclPatternType.Literal, "User:alice", AclOperation.Alter),
                Creation(AclResourceType.Topic, "", AclPatternType.Literal, "User:alice", AclOperation.Read),
                Creation((AclResourceType)99, "t", AclPatternType.Literal, "User:alice", AclOperation.Read),
                Creation(AclResourceType.Topic, "t", AclPatternType.Match, "User:alice", AclOperation.Read),
                Creation(AclResourceType.Topic, "t", AclPatternType.Literal, "User:alice", AclOperation.Any),
                Creation(AclResourceType.Topic, "t", AclPatternType.Literal, "User:alice", AclOperation.Read, AclPermissionType.Any),
                Creation(AclResourceType.Topic, "t", AclPatternType.Literal, "alice", AclOperation.Read),
                Creation(AclResourceType.Topic, "t", AclPatternType.Literal, "User:alice", AclOperation.Read),
            ],
        }, 3);

        Assert.Equal(
        [
            "The only valid name for the CLUSTER resource is kafka-cluster", "Invalid empty resource name", "Invalid resourceType UNKNOWN",
            "Invalid patternType MATCH", "Invalid operation ANY", "Invalid permissionType ANY",
            "Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)", null,
        ], response.Results.Select(r => r.ErrorMessage));
        Assert.Equal([.. Enumerable.Repeat(ErrorCode.InvalidRequest, 7), ErrorCode.None], response.Results.Select(r => (ErrorCode)r.ErrorCode));
        Assert.Single(_broker.Authorizer.Find(AclBindingFilter.All));
    }

    [Fact]
    public async Task A_filter_with_an_unknown_element_is_INVALID_REQUEST_and_deletes_nothing_while_the_other_filters_apply()
    {
        _broker.Grant(AclBinding.Allow("User:alice", AclOperation.Read, AclResourceType.Topic, "t"));
        var bad = new DeleteAclsRequest.DeleteAclsFilter
        {
            ResourceTypeFilter = 0, ResourceNameFilter = null, PatternTypeFilter = (sbyte)AclPatternType.Any, PrincipalFilter = null, HostFilter = null,
            Operation = (sbyte)AclOperation.Any, PermissionType = (sbyte)AclPermissionType.Any,
        };
        var describe = DescribeAll();
        describe.Operation = 42;

        var described = await _broker.SendAsync<DescribeAclsResponse>(Admin, describe, 3);
        var deleted = await _broker.SendAsync<DeleteAclsResponse>(Admin, new DeleteAclsRequest
        {
            Filters = [bad, new() { ResourceTypeFilter = 1, ResourceNameFilter = null, PatternTypeFilter = 1, PrincipalFilter = null, HostFilter = null, Operation = 1, PermissionType = 1 }],
        }, 3);

        Assert.Equal((ErrorCode.InvalidRequest, "Unknown operation in the filter."), ((ErrorCode)described.ErrorCode, described.ErrorMessage));
        Assert.Equal(ErrorCode.InvalidRequest, (ErrorCode)deleted.FilterResults[0].ErrorCode);
        Assert.Empty(deleted.FilterResults[0].MatchingAcls);
        Assert.Single(deleted.FilterResults[1].MatchingAcls);
    }

    [Fact]
    public async Task Changing_ACLs_needs_ALTER_and_reading_them_DESCRIBE_on_the_cluster()
    {
        _broker.Grant(AclBinding.Allow("User:auditor", AclOperation.Describe, AclResourceType.Cluster, AclBinding.ClusterResourceName));

        var read = await _broker.SendAsync<DescribeAclsResponse>("User:auditor", DescribeAll(), 3);
        var write = await _broker.SendAsync<CreateAclsResponse>("User:auditor", new CreateAclsRequest
        {
            Creations = [Creation(AclResourceType.Topic, "t", AclPatternType.Literal, "User:auditor", AclOperation.All)],
        }, 3);

        Assert.Equal(ErrorCode.None, (ErrorCode)read.ErrorCode);
        Assert.Single(read.Resources);
        Assert.Equal(ErrorCode.ClusterAuthorizationFailed, (ErrorCode)write.Results[0].ErrorCode);
    }

    [Fact]
    public async Task Without_an_authorizer_the_ACL_apis_answer_SECURITY_DISABLED()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync();
        using var socket = await RawKafkaSocket.ConnectAsync(cluster.Brokers[0].Host, cluster.Brokers[0].Port);

        var describe = await RawRequests.RoundTripAsync<DescribeAclsResponse>(socket, DescribeAll(), 3);
        var create = await RawRequests.RoundTripAsync<CreateAclsResponse>(socket, new CreateAclsRequest
        {
            Creations = [Creation(AclResourceType.Topic, "t", AclPatternType.Literal, "User:a", AclOperation.Read)],
        }, 1);

        Assert.Equal((ErrorCode.SecurityDisabled, "No Authorizer is configured."), ((ErrorCode)describe.ErrorCode, describe.ErrorMessage));
        Assert.Equal(ErrorCode.SecurityDisabled, (ErrorCode)create.Results[0].ErrorCode);
        Assert.Throws<InvalidOperationException>(() => cluster.GetAcls());
    }

    public void Dispose() => _broker.Dispose();
}
