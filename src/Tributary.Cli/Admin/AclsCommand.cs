using System.CommandLine;
using Confluent.Kafka.Admin;
using Tributary.Broker.Security;
using Tributary.Cli.Common;
using AclOperation = Tributary.Broker.Security.AclOperation;
using KafkaAclBinding = Confluent.Kafka.Admin.AclBinding;
using KafkaAclBindingFilter = Confluent.Kafka.Admin.AclBindingFilter;
using KafkaAclOperation = Confluent.Kafka.Admin.AclOperation;
using KafkaPermission = Confluent.Kafka.Admin.AclPermissionType;

namespace Tributary.Cli.Admin;

/// <summary>
/// <c>tributary acls</c>: list, create and delete ACLs through the admin client, with kafka-acls' options
/// (<c>--allow-principal</c>, <c>--deny-principal</c>, <c>--operation</c>, <c>--topic</c>, <c>--group</c>,
/// <c>--transactional-id</c>, <c>--cluster</c>, <c>--resource-pattern-type</c>, <c>--host</c>, <c>--producer</c>,
/// <c>--consumer</c>). Every ACL printed is one tab-separated line: resource type, pattern type, resource name,
/// principal, host, operation, permission.
/// </summary>
internal static class AclsCommand
{
    /// <summary>Resource type 5 (TRANSACTIONAL_ID): librdkafka knows it, Confluent.Kafka's enum has no name for it.</summary>
    private const ResourceType TransactionalIdResource = (ResourceType)5;

    public static Command Create() => new("acls", "List, create and delete ACLs (in the style of kafka-acls).")
    {
        List(),
        CreateAcls(),
        Delete(),
    };

    /// <summary>The options that name resources, principals and operations, shared by the three subcommands.</summary>
    private sealed class AclOptions
    {
        public Option<string[]> AllowPrincipals { get; } = new("--allow-principal") { Description = "A principal (User:alice) the ACLs allow; repeatable." };
        public Option<string[]> DenyPrincipals { get; } = new("--deny-principal") { Description = "A principal the ACLs deny; repeatable." };
        public Option<string[]> Hosts { get; } = new("--host") { Description = "A client IP address the ACLs apply to; repeatable. Default: * (any host)." };
        public Option<string[]> Operations { get; } = new("--operation")
        {
            Description = "An operation: All, Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite; repeatable.",
        };
        public Option<string[]> Topics { get; } = new("--topic") { Description = "A topic (or prefix, or *); repeatable." };
        public Option<string[]> Groups { get; } = new("--group") { Description = "A consumer group (or prefix, or *); repeatable." };
        public Option<string[]> TransactionalIds { get; } = new("--transactional-id") { Description = "A transactional id (or prefix, or *); repeatable." };
        public Option<bool> Cluster { get; } = new("--cluster") { Description = "The cluster resource (kafka-cluster)." };
        public Option<string> PatternType { get; }

        public AclOptions(string defaultPatternType, string patternTypes) =>
            PatternType = new Option<string>("--resource-pattern-type")
            {
                Description = $"How resource names match: {patternTypes}. Default: {defaultPatternType}.",
                DefaultValueFactory = _ => defaultPatternType,
            };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { AllowPrincipals, DenyPrincipals, Hosts, Operations, Topics, Groups, TransactionalIds, Cluster, PatternType })
                command.Options.Add(option);
        }

        /// <summary>Every resource named, with its type.</summary>
        public List<(ResourceType Type, string Name)> Resources(ParseResult result) =>
            (result.GetValue(Topics) ?? []).Select(name => (ResourceType.Topic, name))
            .Concat((result.GetValue(Groups) ?? []).Select(name => (ResourceType.Group, name)))
            .Concat((result.GetValue(TransactionalIds) ?? []).Select(name => (TransactionalIdResource, name)))
            .Concat(result.GetValue(Cluster) ? [(ResourceType.Broker, Broker.Security.AclBinding.ClusterResourceName)] : [])
            .ToList();

        /// <summary>The principals named, each with the permission it gets.</summary>
        public List<(string Principal, KafkaPermission Permission)> Principals(ParseResult result) =>
            (result.GetValue(AllowPrincipals) ?? []).Select(p => (Principal(p), KafkaPermission.Allow))
            .Concat((result.GetValue(DenyPrincipals) ?? []).Select(p => (Principal(p), KafkaPermission.Deny)))
            .ToList();

        public List<AclOperation> ParsedOperations(ParseResult result) => (result.GetValue(Operations) ?? []).Select(Operation).ToList();

        public ResourcePatternType ParsedPatternType(ParseResult result, params AclPatternType[] allowed)
        {
            var text = result.GetValue(PatternType)!;
            return AclNames.TryParse<AclPatternType>(text, out var type) && allowed.Contains(type)
                ? (ResourcePatternType)type
                : throw new UserErrorException($"bad --resource-pattern-type '{text}': use {string.Join(", ", allowed.Select(a => AclNames.Of(a).ToLowerInvariant()))}");
        }
    }

    private static Command List()
    {
        var options = new AclOptions("any", "any, match, literal or prefixed");
        var principal = new Option<string>("--principal") { Description = "List only the ACLs of this principal." };
        var command = new Command("list", "Print the ACLs of the resources named (every ACL when none is named), one a line.") { principal };
        options.AddTo(command);
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            var pattern = options.ParsedPatternType(result, AclPatternType.Any, AclPatternType.Match, AclPatternType.Literal, AclPatternType.Prefixed);
            var who = result.GetValue(principal) is { } named ? Principal(named) : null;
            var resources = options.Resources(result);
            var filters = resources.Count == 0
                ? [Filter(ResourceType.Any, null, pattern, who, null, KafkaAclOperation.Any, KafkaPermission.Any)]
                : resources.Select(r => Filter(r.Type, r.Name, pattern, who, null, KafkaAclOperation.Any, KafkaPermission.Any)).ToList();
            kafka.GetMetadata(admin);
            var acls = new List<KafkaAclBinding>();
            foreach (var filter in filters)
                acls.AddRange((await AdminErrors.RunAsync(() => admin.DescribeAclsAsync(filter, new DescribeAclsOptions { RequestTimeout = kafka.Timeout }))).AclBindings);
            if (acls.Count == 0 && await HasNoAuthorizerAsync(kafka, admin))
                throw new UserErrorException("the cluster has no authorizer: it neither stores nor enforces ACLs");
            await PrintAsync(acls.Distinct());
            return 0;
        });
    }

    /// <summary>
    /// Whether the broker reports an empty <c>authorizer.class.name</c>. librdkafka drops the SECURITY_DISABLED of
    /// DescribeAcls (and its CLUSTER_AUTHORIZATION_FAILED), so an empty answer is checked against the broker's config.
    /// </summary>
    private static async Task<bool> HasNoAuthorizerAsync(KafkaConnection kafka, Confluent.Kafka.IAdminClient admin)
    {
        var broker = kafka.GetMetadata(admin).Brokers.First();
        try
        {
            var configs = await admin.DescribeConfigsAsync(
                [new ConfigResource { Type = ResourceType.Broker, Name = broker.BrokerId.ToString(System.Globalization.CultureInfo.InvariantCulture) }],
                new DescribeConfigsOptions { RequestTimeout = kafka.Timeout });
            return configs[0].Entries.TryGetValue("authorizer.class.name", out var entry) && string.IsNullOrEmpty(entry.Value);
        }
        catch (DescribeConfigsException)
        {
            return false; // Not allowed to read the broker's configs: nothing more can be said.
        }
    }

    private static Command CreateAcls()
    {
        var options = new AclOptions("literal", "literal or prefixed");
        var producer = new Option<bool>("--producer") { Description = "The ACLs a producer needs: WRITE, DESCRIBE and CREATE on the topics." };
        var consumer = new Option<bool>("--consumer") { Description = "The ACLs a consumer needs: READ and DESCRIBE on the topics, READ on the groups." };
        var command = new Command("create", "Create ACLs: every principal gets every operation on every resource named.") { producer, consumer };
        options.AddTo(command);
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            var pattern = options.ParsedPatternType(result, AclPatternType.Literal, AclPatternType.Prefixed);
            var principals = options.Principals(result);
            if (principals.Count == 0) throw new UserErrorException("name at least one --allow-principal or --deny-principal");
            var grants = Grants(options.Resources(result), options.ParsedOperations(result), result.GetValue(producer), result.GetValue(consumer));
            var hosts = Hosts(result.GetValue(options.Hosts));
            var acls = (from grant in grants
                        from who in principals
                        from host in hosts
                        select new KafkaAclBinding
                        {
                            Pattern = new ResourcePattern { Type = grant.Type, Name = grant.Name, ResourcePatternType = pattern },
                            Entry = new AccessControlEntry { Principal = who.Principal, Host = host, Operation = (KafkaAclOperation)grant.Operation, PermissionType = who.Permission },
                        }).ToList();
            kafka.GetMetadata(admin);
            await AdminErrors.RunAsync(() => admin.CreateAclsAsync(acls, new CreateAclsOptions { RequestTimeout = kafka.Timeout }));
            await PrintAsync(acls);
            return 0;
        });
    }

    private static Command Delete()
    {
        var options = new AclOptions("literal", "any, match, literal or prefixed");
        var command = new Command("delete",
            "Delete the ACLs of the resources named; only those of the principals, operations and hosts named, when named. Prints what was deleted.");
        options.AddTo(command);
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            var pattern = options.ParsedPatternType(result, AclPatternType.Any, AclPatternType.Match, AclPatternType.Literal, AclPatternType.Prefixed);
            var resources = options.Resources(result);
            if (resources.Count == 0) throw new UserErrorException("name at least one resource: --topic, --group, --transactional-id or --cluster");
            var principals = options.Principals(result) is { Count: > 0 } named ? named.Select(p => ((string?)p.Principal, p.Permission)).ToList() : [(null, KafkaPermission.Any)];
            var operations = options.ParsedOperations(result) is { Count: > 0 } ops ? ops.Select(o => (KafkaAclOperation)o).ToList() : [KafkaAclOperation.Any];
            var hosts = result.GetValue(options.Hosts) is { Length: > 0 } given ? given.Select(h => (string?)h).ToList() : [null];
            var filters = (from resource in resources
                           from who in principals
                           from operation in operations
                           from host in hosts
                           select Filter(resource.Type, resource.Name, pattern, who.Item1, host, operation, who.Permission)).ToList();
            kafka.GetMetadata(admin);
            var deleted = await AdminErrors.RunAsync(() => admin.DeleteAclsAsync(filters, new DeleteAclsOptions { RequestTimeout = kafka.Timeout }));
            await PrintAsync(deleted.SelectMany(r => r.AclBindings).Distinct());
            return 0;
        });
    }

    /// <summary>The (resource, operation) pairs to grant: the operations named on every resource, plus the producer's and consumer's sets.</summary>
    private static List<(ResourceType Type, string Name, AclOperation Operation)> Grants(
        List<(ResourceType Type, string Name)> resources, List<AclOperation> operations, bool producer, bool consumer)
    {
        if (resources.Count == 0) throw new UserErrorException("name at least one resource: --topic, --group, --transactional-id or --cluster");
        if (operations.Count == 0 && !producer && !consumer) throw new UserErrorException("name at least one --operation, or use --producer or --consumer");
        var topics = resources.Where(r => r.Type == ResourceType.Topic).ToList();
        if ((producer || consumer) && topics.Count == 0) throw new UserErrorException("--producer and --consumer need at least one --topic");
        if (consumer && !resources.Any(r => r.Type == ResourceType.Group)) throw new UserErrorException("--consumer needs a --group");
        var grants = new List<(ResourceType, string, AclOperation)>();
        foreach (var (type, name) in resources)
        {
            foreach (var operation in operations)
            {
                if (!Supports(type, operation))
                    throw new UserErrorException($"{AclNames.Of(operation)} does not apply to {ResourceName(type)} resources");
                grants.Add((type, name, operation));
            }
        }
        if (producer) grants.AddRange(topics.SelectMany(t => new[] { AclOperation.Write, AclOperation.Describe, AclOperation.Create }.Select(o => (t.Type, t.Name, o))));
        if (consumer)
        {
            grants.AddRange(topics.SelectMany(t => new[] { AclOperation.Read, AclOperation.Describe }.Select(o => (t.Type, t.Name, o))));
            grants.AddRange(resources.Where(r => r.Type == ResourceType.Group).Select(g => (g.Type, g.Name, AclOperation.Read)));
        }
        return grants.Distinct().ToList();
    }

    /// <summary>The operations Kafka's tools accept per resource type (kafka-acls refuses the others).</summary>
    private static bool Supports(ResourceType type, AclOperation operation) => operation == AclOperation.All || type switch
    {
        ResourceType.Topic => operation is AclOperation.Read or AclOperation.Write or AclOperation.Create or AclOperation.Describe
            or AclOperation.Delete or AclOperation.Alter or AclOperation.DescribeConfigs or AclOperation.AlterConfigs,
        ResourceType.Group => operation is AclOperation.Read or AclOperation.Describe or AclOperation.Delete,
        ResourceType.Broker => operation is AclOperation.Create or AclOperation.ClusterAction or AclOperation.DescribeConfigs
            or AclOperation.AlterConfigs or AclOperation.IdempotentWrite or AclOperation.Alter or AclOperation.Describe,
        _ => operation is AclOperation.Describe or AclOperation.Write,
    };

    private static KafkaAclBindingFilter Filter(ResourceType type, string? name, ResourcePatternType pattern, string? principal, string? host,
        KafkaAclOperation operation, KafkaPermission permission) => new()
    {
        PatternFilter = new ResourcePatternFilter { Type = type, Name = name, ResourcePatternType = pattern },
        EntryFilter = new AccessControlEntryFilter { Principal = principal, Host = host, Operation = operation, PermissionType = permission },
    };

    private static List<string> Hosts(string[]? hosts) => hosts is { Length: > 0 } ? hosts.ToList() : [Broker.Security.AclBinding.Wildcard];

    private static string Principal(string text) =>
        text.IndexOf(':') > 0 && !text.EndsWith(':') ? text : throw new UserErrorException($"bad principal '{text}': use Type:Name, for example User:alice");

    private static AclOperation Operation(string text) =>
        AclNames.TryParse<AclOperation>(text, out var operation) && operation is not (AclOperation.Unknown or AclOperation.Any)
            ? operation
            : throw new UserErrorException($"unknown operation '{text}'");

    /// <summary>Kafka's name of a resource type (librdkafka calls the cluster resource BROKER).</summary>
    private static string ResourceName(ResourceType type) => type == ResourceType.Broker ? "CLUSTER" : AclNames.Of((AclResourceType)(int)type);

    private static async Task PrintAsync(IEnumerable<KafkaAclBinding> acls)
    {
        foreach (var acl in acls)
        {
            await Console.Out.WriteLineAsync(string.Join('\t', ResourceName(acl.Pattern.Type), AclNames.Of((AclPatternType)(int)acl.Pattern.ResourcePatternType),
                acl.Pattern.Name, acl.Entry.Principal, acl.Entry.Host, AclNames.Of((AclOperation)(int)acl.Entry.Operation),
                AclNames.Of((Broker.Security.AclPermissionType)(int)acl.Entry.PermissionType)));
        }
    }
}
