using System.CommandLine;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Spectre.Console;
using Tributary.Cli.Common;

namespace Tributary.Cli.Admin;

/// <summary><c>tributary groups</c>: list consumer groups, describe their lag per partition, reset their offsets.</summary>
internal static class GroupsCommand
{
    public static Command Create() => new("groups", "List consumer groups, describe their lag, reset their offsets.")
    {
        List(),
        Describe(),
        Reset(),
    };

    private static Command List()
    {
        var command = new Command("list", "Print every consumer group and its state, one a line.");
        return command.WithAdminAction(async (_, kafka, admin) =>
        {
            kafka.GetMetadata(admin);
            var groups = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { RequestTimeout = kafka.Timeout });
            foreach (var group in groups.Valid.OrderBy(g => g.GroupId, StringComparer.Ordinal))
                await Console.Out.WriteLineAsync($"{group.GroupId}\t{group.State}");
            return 0;
        });
    }

    private static Command Describe()
    {
        var name = new Argument<string>("group") { Description = "The consumer group." };
        var command = new Command("describe", "Show a group's state, members and, per partition, committed offset, end offset and lag.") { name };
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            kafka.GetMetadata(admin);
            var group = await RequireGroupAsync(admin, kafka, result.GetValue(name)!);
            var committed = await CommittedAsync(admin, group.GroupId);
            var owners = group.Members
                .SelectMany(m => m.Assignment?.TopicPartitions.Select(p => (Partition: p, Member: m)) ?? [])
                .ToDictionary(a => a.Partition, a => $"{a.Member.ClientId} ({a.Member.Host})");
            using var offsets = new WatermarkReader(kafka);
            var table = new Table()
                .Title($"{group.GroupId}: {group.State}, {group.Members.Count} member(s)")
                .AddColumns("Topic", "Partition", "Committed", "End offset", "Lag", "Member");
            foreach (var partition in committed.Keys.Union(owners.Keys).OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition.Value))
            {
                var end = offsets.Read(partition).High.Value;
                var position = committed.GetValueOrDefault(partition, Offset.Unset);
                table.AddRow(
                    Markup.Escape(partition.Topic), partition.Partition.Value.ToString(),
                    position == Offset.Unset ? "-" : position.Value.ToString(), end.ToString(),
                    position == Offset.Unset ? "-" : Math.Max(0, end - position.Value).ToString(),
                    Markup.Escape(owners.GetValueOrDefault(partition, "-")));
            }
            ConsoleOutput.Write(table);
            return 0;
        });
    }

    private static Command Reset()
    {
        var name = new Argument<string>("group") { Description = "The consumer group; it must have no active members." };
        var topic = new Option<string>("--topic", "-t") { Description = "Reset the group's offsets of this topic.", Required = true };
        var to = new Option<string>("--to") { Description = "New position: beginning, end, N, -N (N before the end) or s@<unix ms>.", Required = true };
        var command = new Command("reset", "Move a group's committed offsets of a topic (every partition).") { name, topic, to };
        return command.WithAdminAction(async (result, kafka, admin) =>
        {
            var spec = Clients.OffsetSpec.Parse(result.GetValue(to)!);
            var metadata = kafka.RequireTopic(admin, result.GetValue(topic)!);
            var group = result.GetValue(name)!;
            using var offsets = new WatermarkReader(kafka);
            var positions = metadata.Partitions.OrderBy(p => p.PartitionId)
                .Select(p => new TopicPartition(metadata.Topic, p.PartitionId))
                .Select(p => new TopicPartitionOffset(p, Concrete(spec.Resolve(offsets.Consumer, p, kafka.Timeout), offsets.Read(p))))
                .ToList();
            await AdminErrors.RunAsync(() => admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(group, positions)]));
            foreach (var position in positions)
                await Console.Out.WriteLineAsync($"{group}\t{position.Topic}\t{position.Partition.Value}\t{position.Offset.Value}");
            return 0;
        });
    }

    // A group commits numbers, not the symbolic beginning and end (nor a time after the last record, which is "end").
    private static Offset Concrete(Offset offset, WatermarkOffsets marks) =>
        offset == Offset.Beginning ? marks.Low
        : offset == Offset.End || offset.Value < 0 ? marks.High
        : offset;

    private static async Task<ConsumerGroupDescription> RequireGroupAsync(IAdminClient admin, KafkaConnection kafka, string groupId)
    {
        var described = await admin.DescribeConsumerGroupsAsync([groupId], new DescribeConsumerGroupsOptions { RequestTimeout = kafka.Timeout });
        var group = described.ConsumerGroupDescriptions.Single();
        return group.State == ConsumerGroupState.Dead || group.Error.IsError
            ? throw new UserErrorException($"unknown group '{groupId}'")
            : group;
    }

    private static async Task<Dictionary<TopicPartition, Offset>> CommittedAsync(IAdminClient admin, string groupId)
    {
        var listed = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(groupId, null)]);
        return listed.SelectMany(g => g.Partitions).Where(p => !p.Error.IsError).ToDictionary(p => p.TopicPartition, p => p.Offset);
    }
}
