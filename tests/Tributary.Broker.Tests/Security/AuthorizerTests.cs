using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Security;
using static Tributary.Broker.Security.AclOperation;
using static Tributary.Broker.Security.AclResourceType;

namespace Tributary.Broker.Tests.Security;

/// <summary>The rules of Kafka's StandardAuthorizer, one at a time.</summary>
public sealed class AuthorizerTests
{
    private static readonly KafkaPrincipal Alice = new("User", "alice");
    private static readonly KafkaPrincipal Bob = new("User", "bob");
    private const string Host = "127.0.0.1";

    private static Authorizer Enabled(bool allowEveryoneIfNoAclFound = false, params string[] superUsers) =>
        new(true, superUsers, allowEveryoneIfNoAclFound, NullLogger.Instance);

    private static Authorizer With(params AclBinding[] acls)
    {
        var authorizer = Enabled();
        Assert.All(authorizer.Add(acls), Assert.Null);
        return authorizer;
    }

    [Fact]
    public void A_disabled_authorizer_allows_everything()
    {
        Assert.True(Authorizer.Disabled.Authorize(Alice, Host, Write, Topic, "orders"));
        Assert.True(Authorizer.Disabled.AuthorizeAny(Alice, Host, Write, Topic));
    }

    [Fact]
    public void Without_ACLs_everything_is_denied_unless_allow_everyone_if_no_acl_found_is_set()
    {
        Assert.False(Enabled().Authorize(Alice, Host, Read, Topic, "orders"));
        Assert.True(Enabled(allowEveryoneIfNoAclFound: true).Authorize(Alice, Host, Read, Topic, "orders"));
    }

    [Fact]
    public void Allow_everyone_if_no_acl_found_stops_applying_once_any_ACL_names_the_resource()
    {
        var authorizer = Enabled(allowEveryoneIfNoAclFound: true);
        authorizer.Add([AclBinding.Allow("User:bob", Read, Topic, "orders")]);

        Assert.False(authorizer.Authorize(Alice, Host, Read, Topic, "orders"));
        Assert.True(authorizer.Authorize(Alice, Host, Read, Topic, "payments"));
    }

    [Fact]
    public void Super_users_are_allowed_everything_even_against_a_DENY()
    {
        var authorizer = Enabled(false, "User:alice");
        authorizer.Add([AclBinding.Deny("User:alice", All, Topic, "*")]);

        Assert.True(authorizer.Authorize(Alice, Host, Delete, Topic, "orders"));
        Assert.False(authorizer.Authorize(Bob, Host, Delete, Topic, "orders"));
    }

    [Fact]
    public void A_literal_ACL_applies_to_its_name_only_and_star_to_every_name()
    {
        var literal = With(AclBinding.Allow("User:alice", Read, Topic, "orders"));
        Assert.True(literal.Authorize(Alice, Host, Read, Topic, "orders"));
        Assert.False(literal.Authorize(Alice, Host, Read, Topic, "orders2"));
        Assert.False(literal.Authorize(Alice, Host, Read, Group, "orders"));

        var wildcard = With(AclBinding.Allow("User:alice", Read, Topic, "*"));
        Assert.True(wildcard.Authorize(Alice, Host, Read, Topic, "anything"));
    }

    [Fact]
    public void A_prefixed_ACL_applies_to_every_name_that_starts_with_it()
    {
        var authorizer = With(AclBinding.Allow("User:alice", Write, Topic, "sales-", AclPatternType.Prefixed));

        Assert.True(authorizer.Authorize(Alice, Host, Write, Topic, "sales-eu"));
        Assert.True(authorizer.Authorize(Alice, Host, Write, Topic, "sales-"));
        Assert.False(authorizer.Authorize(Alice, Host, Write, Topic, "sales"));
        Assert.False(authorizer.Authorize(Alice, Host, Write, Topic, "presales-eu"));
    }

    [Fact]
    public void The_user_wildcard_principal_matches_every_user_and_a_host_must_match_unless_it_is_star()
    {
        var authorizer = With(
            AclBinding.Allow("User:*", Read, Topic, "public"),
            AclBinding.Allow("User:alice", Read, Topic, "private", host: "10.0.0.1"));

        Assert.True(authorizer.Authorize(Bob, Host, Read, Topic, "public"));
        Assert.False(authorizer.Authorize(Alice, Host, Read, Topic, "private"));
        Assert.True(authorizer.Authorize(Alice, "10.0.0.1", Read, Topic, "private"));
    }

    [Fact]
    public void Deny_beats_allow_whichever_pattern_carries_it()
    {
        var authorizer = With(
            AclBinding.Allow("User:alice", All, Topic, "*"),
            AclBinding.Deny("User:alice", Write, Topic, "audit-", AclPatternType.Prefixed));

        Assert.True(authorizer.Authorize(Alice, Host, Write, Topic, "orders"));
        Assert.False(authorizer.Authorize(Alice, Host, Write, Topic, "audit-log"));
        Assert.True(authorizer.Authorize(Alice, Host, Read, Topic, "audit-log"));
    }

    [Theory]
    [InlineData(Read)]
    [InlineData(Write)]
    [InlineData(Delete)]
    [InlineData(Alter)]
    public void An_ALLOW_for_read_write_delete_or_alter_implies_describe(AclOperation granted)
    {
        var authorizer = With(AclBinding.Allow("User:alice", granted, Topic, "orders"));

        Assert.True(authorizer.Authorize(Alice, Host, Describe, Topic, "orders"));
        Assert.False(authorizer.Authorize(Alice, Host, DescribeConfigs, Topic, "orders"));
    }

    [Fact]
    public void An_ALLOW_for_alter_configs_implies_describe_configs_but_not_the_other_way()
    {
        Assert.True(With(AclBinding.Allow("User:alice", AlterConfigs, Topic, "t")).Authorize(Alice, Host, DescribeConfigs, Topic, "t"));
        Assert.False(With(AclBinding.Allow("User:alice", DescribeConfigs, Topic, "t")).Authorize(Alice, Host, AlterConfigs, Topic, "t"));
    }

    [Fact]
    public void A_DENY_implies_nothing_so_denying_read_leaves_describe_allowed()
    {
        var authorizer = With(AclBinding.Allow("User:alice", All, Topic, "t"), AclBinding.Deny("User:alice", Read, Topic, "t"));

        Assert.False(authorizer.Authorize(Alice, Host, Read, Topic, "t"));
        Assert.True(authorizer.Authorize(Alice, Host, Describe, Topic, "t"));
    }

    [Fact]
    public void Authorized_operations_set_one_bit_per_allowed_operation_code()
    {
        var authorizer = With(AclBinding.Allow("User:alice", Read, Group, "g"));

        Assert.Equal((1 << 3) | (1 << 8), authorizer.AuthorizedOperations(Alice, Host, Group, "g"));
        Assert.Equal((1 << 3) | (1 << 8) | (1 << 6), Authorizer.Disabled.AuthorizedOperations(Alice, Host, Group, "g"));
    }

    [Fact]
    public void Authorize_any_allows_when_some_ALLOW_is_not_covered_by_a_DENY_for_its_name_or_a_prefix_of_it()
    {
        Assert.False(Enabled().AuthorizeAny(Alice, Host, Write, Topic));
        Assert.True(With(AclBinding.Allow("User:alice", Write, Topic, "t")).AuthorizeAny(Alice, Host, Write, Topic));
        Assert.False(With(AclBinding.Allow("User:alice", Write, Topic, "t"), AclBinding.Deny("User:alice", Write, Topic, "t")).AuthorizeAny(Alice, Host, Write, Topic));
        Assert.False(With(AclBinding.Allow("User:alice", Write, Topic, "sales-eu"), AclBinding.Deny("User:alice", Write, Topic, "sales", AclPatternType.Prefixed))
            .AuthorizeAny(Alice, Host, Write, Topic));
        Assert.True(With(AclBinding.Allow("User:alice", Write, Topic, "sales", AclPatternType.Prefixed), AclBinding.Deny("User:alice", Write, Topic, "sales-eu"))
            .AuthorizeAny(Alice, Host, Write, Topic));
        Assert.False(With(AclBinding.Allow("User:alice", Write, Topic, "*"), AclBinding.Deny("User:*", Write, Topic, "*")).AuthorizeAny(Alice, Host, Write, Topic));
        Assert.False(With(AclBinding.Allow("User:alice", Read, Topic, "t")).AuthorizeAny(Alice, Host, Write, Topic));
    }

    [Fact]
    public void Adding_an_existing_ACL_keeps_one_and_invalid_ones_are_refused_alone()
    {
        var authorizer = Enabled();
        var acl = AclBinding.Allow("User:alice", Read, Topic, "t");

        var problems = authorizer.Add([acl, acl, AclBinding.Allow("alice", Read, Topic, "t"), AclBinding.Allow("User:alice", AclOperation.Any, Topic, "t")]);

        Assert.Null(problems[0]);
        Assert.Null(problems[1]);
        Assert.Contains("Could not parse principal", problems[2]);
        Assert.Equal("Invalid operation ANY", problems[3]);
        Assert.Equal([acl], authorizer.Find(AclBindingFilter.All));
    }

    [Fact]
    public void Kafka_refuses_a_cluster_ACL_not_named_kafka_cluster_an_empty_name_and_filter_only_types()
    {
        Assert.Equal("The only valid name for the CLUSTER resource is kafka-cluster", AclBinding.Allow("User:a", Alter, AclResourceType.Cluster, "c").Problem());
        Assert.Equal("Invalid empty resource name", AclBinding.Allow("User:a", Read, Topic, "").Problem());
        Assert.Equal("Invalid resourceType ANY", AclBinding.Allow("User:a", Read, AclResourceType.Any, "t").Problem());
        Assert.Equal("Invalid patternType MATCH", AclBinding.Allow("User:a", Read, Topic, "t", AclPatternType.Match).Problem());
        Assert.Equal("Invalid permissionType ANY", (AclBinding.Allow("User:a", Read, Topic, "t") with { Permission = AclPermissionType.Any }).Problem());
        Assert.Null(AclBinding.Allow("User:a", ClusterAction, AclResourceType.Cluster, AclBinding.ClusterResourceName).Problem());
    }

    [Fact]
    public void Filters_match_as_Kafka_filters_do_with_MATCH_finding_every_ACL_that_applies_to_a_name()
    {
        var literal = AclBinding.Allow("User:alice", Read, Topic, "sales-eu");
        var wildcard = AclBinding.Allow("User:bob", Read, Topic, "*");
        var prefixed = AclBinding.Deny("User:alice", Write, Topic, "sales-", AclPatternType.Prefixed);
        var group = AclBinding.Allow("User:alice", Read, Group, "sales-eu");
        var authorizer = With(literal, wildcard, prefixed, group);

        Assert.Equal([literal, wildcard, prefixed], authorizer.Find(new AclBindingFilter(Topic, "sales-eu", AclPatternType.Match)));
        Assert.Equal([literal, group], authorizer.Find(new AclBindingFilter(ResourceName: "sales-eu")));
        Assert.Equal([prefixed], authorizer.Find(new AclBindingFilter(PatternType: AclPatternType.Prefixed)));
        Assert.Equal([literal, prefixed, group], authorizer.Find(new AclBindingFilter(Principal: "User:alice")));
        Assert.Equal([prefixed], authorizer.Find(new AclBindingFilter(Permission: AclPermissionType.Deny)));
        Assert.Equal([wildcard], authorizer.Find(new AclBindingFilter(Operation: Read, Principal: "User:bob")));
    }

    [Fact]
    public void Removing_returns_what_each_filter_matched_and_leaves_the_rest()
    {
        var read = AclBinding.Allow("User:alice", Read, Topic, "t");
        var write = AclBinding.Allow("User:alice", Write, Topic, "t");
        var group = AclBinding.Allow("User:alice", Read, Group, "g");
        var authorizer = With(read, write, group);

        var removed = authorizer.Remove([new AclBindingFilter(Topic, Operation: Write), new AclBindingFilter(Operation: Read, ResourceType: Group)]);

        Assert.Equal([write], removed[0]);
        Assert.Equal([group], removed[1]);
        Assert.Equal([read], authorizer.Find(AclBindingFilter.All));
    }

    [Fact]
    public void Acl_names_print_and_parse_as_Kafka_tools_write_them()
    {
        Assert.Equal("DESCRIBE_CONFIGS", AclNames.Of(DescribeConfigs));
        Assert.Equal("TRANSACTIONAL_ID", AclNames.Of(TransactionalId));
        Assert.True(AclNames.TryParse<AclOperation>("IdempotentWrite", out var op) && op == IdempotentWrite);
        Assert.True(AclNames.TryParse<AclOperation>("idempotent-write", out op) && op == IdempotentWrite);
        Assert.True(AclNames.TryParse<AclResourceType>("TRANSACTIONAL_ID", out var type) && type == TransactionalId);
        Assert.False(AclNames.TryParse<AclOperation>("3", out _));
        Assert.False(AclNames.TryParse<AclOperation>("launch", out _));
    }
}
