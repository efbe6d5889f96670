using Confluent.Kafka;
using Tributary.Testing;

namespace Tributary.Cli.Tests;

[Collection(AdminAndPipeCollection.Name)]
public sealed class AdminCommandTests(EmbeddedKafkaFixture kafka)
{
    [Fact]
    public async Task Topics_are_created_described_listed_and_deleted()
    {
        var topic = EmbeddedKafkaFixture.UniqueName("admin");

        var created = await CliRunner.RunAsync(kafka.BootstrapServers, null, "topics", "create", topic, "-p", "3", "-r", "2");
        await kafka.ProduceAsync(topic, 4, i => new Message<string, string> { Key = "same", Value = $"v{i}" });
        var described = await CliRunner.RunAsync(kafka.BootstrapServers, null, "topics", "describe", topic);
        var listed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "topics", "list");
        var deleted = await CliRunner.RunAsync(kafka.BootstrapServers, null, "topics", "delete", topic);
        var listedAfter = await CliRunner.RunAsync(kafka.BootstrapServers, null, "topics", "list");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.True(described.ExitCode == 0, described.ToString());
        var rows = TableRows(described.Stdout);
        Assert.Equal(["0", "1", "2"], rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(2, r[2].Split(',').Length)); // two replicas each
        Assert.All(rows, r => Assert.Contains(r[1], r[2].Split(','))); // the leader is a replica
        Assert.Equal(4, rows.Sum(r => long.Parse(r[5]))); // end offsets add up to the records written
        Assert.Contains(topic, listed.StdoutLines);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.DoesNotContain(topic, listedAfter.StdoutLines);
    }

    [Fact]
    public async Task Creating_an_existing_topic_fails_in_one_line()
    {
        var topic = await kafka.CreateTopicAsync();

        var created = await CliRunner.RunAsync(kafka.BootstrapServers, null, "topics", "create", topic);

        Assert.Equal(1, created.ExitCode);
        Assert.Contains("TopicAlreadyExists", created.Stderr);
        Assert.Single(created.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Groups_describe_shows_lag_per_partition_and_reset_moves_offsets()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);
        var group = EmbeddedKafkaFixture.UniqueName("group");
        await kafka.ProduceAsync(topic, 5, i => new Message<string, string> { Key = "k", Value = $"v{i}" }); // one partition gets all five
        var partition = (await kafka.ConsumeAsync(topic, 1))[0].Partition.Value;
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(group)).Build())
            consumer.Commit([new TopicPartitionOffset(topic, partition, 3)]);

        var listed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "groups", "list");
        var described = await CliRunner.RunAsync(kafka.BootstrapServers, null, "groups", "describe", group);
        var reset = await CliRunner.RunAsync(kafka.BootstrapServers, null, "groups", "reset", group, "-t", topic, "--to", "-1");
        var describedAfter = await CliRunner.RunAsync(kafka.BootstrapServers, null, "groups", "describe", group);

        Assert.Contains(listed.StdoutLines, line => line.StartsWith(group + "\t", StringComparison.Ordinal));
        Assert.True(described.ExitCode == 0, described.ToString());
        var row = Assert.Single(TableRows(described.Stdout));
        Assert.Equal([topic, partition.ToString(), "3", "5", "2"], row.Take(5));
        Assert.True(reset.ExitCode == 0, reset.ToString());
        var rows = TableRows(describedAfter.Stdout).ToDictionary(r => int.Parse(r[1]));
        Assert.Equal(["4", "5", "1"], rows[partition].Skip(2).Take(3)); // one before the end
        Assert.Equal(["0", "0", "0"], rows[1 - partition].Skip(2).Take(3)); // an empty partition has nothing to lag
    }

    // The data rows of a table drawn by the command: cells between the vertical bars, trimmed.
    private static List<string[]> TableRows(string output) => output.Split('\n')
        .Where(line => line.StartsWith('│'))
        .Select(line => line.Trim().Trim('│').Split('│').Select(cell => cell.Trim()).ToArray())
        .Skip(1) // the header
        .ToList();
}
