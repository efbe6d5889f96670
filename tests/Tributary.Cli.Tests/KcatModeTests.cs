using Confluent.Kafka;
using Tributary.Testing;

namespace Tributary.Cli.Tests;

/// <summary>kcat command lines work with <c>tributary</c> in front of them.</summary>
[Collection(AdminAndPipeCollection.Name)]
public sealed class KcatModeTests(EmbeddedKafkaFixture kafka)
{
    [Fact]
    public async Task Metadata_listing_shows_brokers_the_controller_and_partitions_with_offsets()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2, replicationFactor: 3);
        await kafka.ProduceAsync(topic, 4, i => new Message<string, string> { Key = null!, Value = $"v{i}" });

        var listed = await CliRunner.RunAsync(null, null, "-L", "-b", kafka.BootstrapServers, "-t", topic);

        Assert.True(listed.ExitCode == 0, listed.ToString());
        var lines = listed.StdoutLines;
        Assert.StartsWith($"Metadata for {topic} (from broker ", lines[0]);
        Assert.Equal(" 3 brokers:", lines[1]);
        Assert.Single(lines, line => line.StartsWith("  broker ") && line.EndsWith(" (controller)"));
        Assert.Contains($"  topic \"{topic}\" with 2 partitions:", lines);
        var partitions = lines.Where(line => line.StartsWith("    partition ")).ToList();
        Assert.Equal(2, partitions.Count);
        Assert.All(partitions, line => Assert.Matches(@"^    partition \d, leader \d, replicas: \d,\d,\d, isrs: \d,\d,\d, offsets: 0\.\.\d$", line));
    }

    [Fact]
    public async Task Produce_mode_reads_a_file_and_consume_mode_reads_it_back()
    {
        var topic = await kafka.CreateTopicAsync();
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "a:1\nb:2\n");

        var produced = await CliRunner.RunAsync(null, null, "-P", "-b", kafka.BootstrapServers, "-t", topic, "-K", ":", "-l", file);
        var consumed = await CliRunner.RunAsync(null, null, "-C", "-b", kafka.BootstrapServers, "-t", topic, "-e", "-q", "-f", "%k=%s\\n");

        File.Delete(file);
        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(["a=1", "b=2"], consumed.StdoutLines);
    }

    [Fact]
    public async Task Query_mode_finds_offsets_for_times()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 3);

        var queried = await CliRunner.RunAsync(kafka.BootstrapServers, null, "-Q", "-t", $"{topic}:0:-1", "-t", $"{topic}:0:0");

        Assert.True(queried.ExitCode == 0, queried.ToString());
        Assert.Equal([$"{topic} [0] offset 3", $"{topic} [0] offset 0"], queried.StdoutLines);
    }

    [Fact]
    public async Task Pipe_creates_its_missing_output_topic_like_the_input_unless_told_not_to()
    {
        var input = await kafka.CreateTopicAsync(partitions: 3, replicationFactor: 2);
        var output = EmbeddedKafkaFixture.UniqueName("created");
        await kafka.ProduceAsync(input, 3);

        var refused = await CliRunner.RunAsync(kafka.BootstrapServers, null, "pipe", "--from", input, "--to", output, "--no-create", "-c", "3");
        var piped = await CliRunner.RunAsync(kafka.BootstrapServers, null, "pipe", "--from", input, "--to", output, "-c", "3");

        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith($"tributary: unknown topic '{output}'", refused.Stderr);
        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Contains($"Created topic {output} with 3 partition(s) and replication factor 2, like {input}.", piped.Stderr);
        Assert.Equal(3, (await kafka.ConsumeAsync(output, 3)).Count);
    }
}
