using System.CommandLine;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Spectre.Console;
using Tributary.Cli.Common;

namespace Tributary.Cli.Admin;

/// <summary><c>tributary topics</c>: list, create, delete and describe topics (partitions, leaders, replicas, offsets).</summary>
internal static class TopicsCommand
{
    public static Command Create() => new("topics", "List, create, delete and describe topics.")
    {
        List(),
        CreateTopic(),
        Delete(),
        Describe(),
    };

    private static Command List()
    {
        var command = new Command("list", "Print every topic's name, one a line.");
        return command.WithAdminAction(async (_, kafka, admin) =>
        {
            foreach (var topic in kafka.GetMetadata(admin).Topics.Select(t => t.Topic).Order(StringComparer.Ordinal))
                await Console.Out.WriteLineAsync(topic);
            return 0;
        });
    }

    private static Command CreateTopic()
    {
        var name = new Argument<string>("topic") { Description = "The topic's name." };
        var partitions = new Option<int>("--partitions", "-p") { Description = "Number of partitions.", DefaultValueFactory = _ => 1 };
        var replication = new Option<short>("--replication-factor", "-r") { Description = "Replicas per partition.", DefaultValueFactory = _ => 1 };
        var configs = new Option<string[]>("--config") { Description = "A topic config as name=value (for example retention.ms=60000); repeatable." };
        var command = new Command("create", "Create a topic.") { name, partitions, replication, configs };
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            kafka.GetMetadata(admin);
            var specification = new TopicSpecification
            {
                Name = result.GetValue(name)!,
                NumPartitions = result.GetValue(partitions),
                ReplicationFactor = result.GetValue(replication),
                Configs = NameValues.Parse(result.GetValue(configs) ?? [], "--config"),
            };
            await AdminErrors.RunAsync(() => admin.CreateTopicsAsync([specification], new CreateTopicsOptions { OperationTimeout = kafka.Timeout }));
            await Console.Out.WriteLineAsync($"Created topic {specification.Name} with {specification.NumPartitions} partition(s).");
            return 0;
        });
    }

    private static Command Delete()
    {
        var name = new Argument<string>("topic") { Description = "The topic's name." };
        var command = new Command("delete", "Delete a topic and its records.") { name };
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            var topic = kafka.RequireTopic(admin, result.GetValue(name)!).Topic;
            await AdminErrors.RunAsync(() => admin.DeleteTopicsAsync([topic], new DeleteTopicsOptions { OperationTimeout = kafka.Timeout }));
            await Console.Out.WriteLineAsync($"Deleted topic {topic}.");
            return 0;
        });
    }

    private static Command Describe()
    {
        var name = new Argument<string>("topic") { Description = "The topic's name." };
        var command = new Command("describe", "Show a topic's partitions: leader, replicas, in-sync replicas, first and end offsets.") { name };
        return command.WithAdminAction((result, kafka, admin) =>
        {
            var topic = kafka.RequireTopic(admin, result.GetValue(name)!);
            using var offsets = new WatermarkReader(kafka);
            var table = new Table()
                .Title($"{topic.Topic}: {topic.Partitions.Count} partition(s)")
                .AddColumns("Partition", "Leader", "Replicas", "In sync", "First offset", "End offset");
            foreach (var partition in topic.Partitions.OrderBy(p => p.PartitionId))
            {
                var marks = offsets.Read(new TopicPartition(topic.Topic, partition.PartitionId));
                table.AddRow(partition.PartitionId.ToString(), partition.Leader.ToString(), string.Join(',', partition.Replicas),
                    string.Join(',', partition.InSyncReplicas), marks.Low.Value.ToString(), marks.High.Value.ToString());
            }
            ConsoleOutput.Write(table);
            return Task.FromResult(0);
        });
    }
}
