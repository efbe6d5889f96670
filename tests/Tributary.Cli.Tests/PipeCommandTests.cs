using System.Text;
using Confluent.Kafka;
using Tributary.Testing;

namespace Tributary.Cli.Tests;

[Collection(AdminAndPipeCollection.Name)]
public sealed class PipeCommandTests(EmbeddedKafkaFixture kafka)
{
    private static readonly string PluginPath = Path.Combine(
        CliRunner.RepositoryRoot, "tests", "Tributary.Cli.Tests", "TestPlugin", "bin", CliRunner.Configuration, "net10.0", "Tributary.Cli.TestPlugin.dll");

    [Fact]
    public async Task Built_in_transforms_apply_in_order_and_offsets_are_committed()
    {
        var (input, output) = (await kafka.CreateTopicAsync(partitions: 2), await kafka.CreateTopicAsync());
        var group = EmbeddedKafkaFixture.UniqueName("pipe");
        string[] values = ["""{"id":1,"color":"red","size":3}""", """{"id":2,"color":"blue"}""", """{"id":3,"color":"red"}""", "not json"];
        await kafka.ProduceAsync(input, values.Length, i => new Message<string, string> { Key = $"k{i}", Value = values[i] });

        var piped = await CliRunner.RunAsync(kafka.BootstrapServers, null,
            "pipe", "--from", input, "--to", output, "-G", group, "-T", "where:color=red", "-T", "project:id,color", "-T", "upper", "-c", "4");

        Assert.True(piped.ExitCode == 0, piped.ToString());
        var records = await kafka.ConsumeAsync(output, 2);
        Assert.Equal(["""{"ID":1,"COLOR":"RED"}""", """{"ID":3,"COLOR":"RED"}"""], records.Select(r => r.Message.Value).Order());
        await kafka.WaitForZeroLagAsync(group, input); // dropped records are committed too
    }

    [Fact]
    public async Task A_plug_in_transforms_exactly_once()
    {
        Assert.True(File.Exists(PluginPath), $"The test plug-in is not built at {PluginPath}.");
        var (input, output) = (await kafka.CreateTopicAsync(), await kafka.CreateTopicAsync());
        string[] values = ["abc", "drop", "hello"];
        await kafka.ProduceAsync(input, values.Length, i => new Message<string, string> { Key = $"k{i}", Value = values[i] });

        var piped = await CliRunner.RunAsync(kafka.BootstrapServers, null,
            "pipe", "--from", input, "--to", output, "--plugin", PluginPath, "--exactly-once", "-c", "3");

        Assert.True(piped.ExitCode == 0, piped.ToString());
        var records = await kafka.ConsumeAsync(output, 2, IsolationLevel.ReadCommitted);
        Assert.Equal(["cba", "olleh"], records.Select(r => r.Message.Value));
        Assert.Equal(["k0", "k2"], records.Select(r => r.Message.Key));
        Assert.All(records, r => Assert.Equal("reverse", Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("plugin"))));
    }

    [Theory]
    [InlineData("-T", "bogus", "bad transform 'bogus'")]
    [InlineData("-T", "s/(/x/", "bad transform 's/(/x/'")]
    [InlineData("--plugin", "/no/such/plugin.dll", "plug-in not found")]
    public async Task Bad_transforms_fail_in_one_line(string option, string value, string message)
    {
        var topic = await kafka.CreateTopicAsync();

        var piped = await CliRunner.RunAsync(kafka.BootstrapServers, null, "pipe", "--from", topic, "--to", topic, option, value);

        Assert.Equal(1, piped.ExitCode);
        Assert.StartsWith($"tributary: {message}", piped.Stderr);
        Assert.Single(piped.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
