using Tributary.Testing;

namespace Tributary.Cli.Tests;

/// <summary>User mistakes end with exit code 1 and one line on stderr that says what is wrong, never a stack trace.</summary>
[Collection(ErrorKafkaCollection.Name)]
public sealed class ErrorTests(EmbeddedKafkaFixture kafka)
{
    [Fact]
    public async Task Unreachable_bootstrap_is_reported_quickly()
    {
        var started = DateTime.UtcNow;

        var result = await CliRunner.RunAsync("127.0.0.1:1", null, "consume", "-t", "any", "--timeout", "2");

        AssertOneLineError(result, "cannot reach Kafka at 127.0.0.1:1");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "gave up within the timeout, not after librdkafka's defaults");
    }

    [Fact]
    public async Task An_empty_TRIBUTARY_BOOTSTRAP_is_an_error_not_a_fallback_to_a_default()
    {
        var result = await CliRunner.RunAsync(" ", null, "topics", "list");

        AssertOneLineError(result, "$TRIBUTARY_BOOTSTRAP is set but empty");
    }

    [Fact]
    public async Task The_default_bootstrap_is_said_when_nothing_chose_one()
    {
        var result = await CliRunner.RunAsync(null, null, "topics", "list", "--timeout", "1");

        Assert.StartsWith("tributary: no -b and no $TRIBUTARY_BOOTSTRAP: using 127.0.0.1:9092", result.Stderr);
    }

    [Theory]
    [InlineData("consume")]
    [InlineData("produce")]
    public async Task Unknown_topic(string command)
    {
        var result = await CliRunner.RunAsync(kafka.BootstrapServers, "x\n", command, "-t", "no-such-topic-" + Guid.NewGuid().ToString("N"));

        AssertOneLineError(result, "unknown topic 'no-such-topic-");
    }

    [Theory]
    [InlineData("topics", "describe")]
    [InlineData("topics", "delete")]
    public async Task Unknown_topic_for_admin_commands(string command, string subcommand)
    {
        var result = await CliRunner.RunAsync(kafka.BootstrapServers, null, command, subcommand, "no-such-topic");

        AssertOneLineError(result, "unknown topic 'no-such-topic'");
    }

    [Fact]
    public async Task Unknown_group()
    {
        var result = await CliRunner.RunAsync(kafka.BootstrapServers, null, "groups", "describe", "no-such-group");

        AssertOneLineError(result, "unknown group 'no-such-group'");
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("s@yesterday")]
    [InlineData("--5")]
    public async Task Bad_offset_spec(string offset)
    {
        var topic = await kafka.CreateTopicAsync();

        var result = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-o=" + offset);

        AssertOneLineError(result, $"bad offset spec '{offset}'");
    }

    [Theory]
    [InlineData("consume", "no.such.property=1", "No such configuration property")]
    [InlineData("consume", "acks=sometimes", "Invalid value")]
    [InlineData("consume", "missing-equals", "expected name=value")]
    [InlineData("produce", "no.such.property=1", "No such configuration property")]
    [InlineData("topics", "no.such.property=1", "No such configuration property")]
    public async Task Bad_client_property(string command, string property, string message)
    {
        var topic = await kafka.CreateTopicAsync();
        string[] args = command switch
        {
            "topics" => ["topics", "describe", topic],
            "consume" => ["consume", "-t", topic, "-e"],
            _ => [command, "-t", topic],
        };

        var result = await CliRunner.RunAsync(kafka.BootstrapServers, "", [.. args, "-X", property]);

        AssertOneLineError(result, "");
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task Bad_format()
    {
        var topic = await kafka.CreateTopicAsync();

        var result = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-e", "-f", "%q");

        AssertOneLineError(result, "bad format '%q'");
    }

    /// <summary>Exit code 1 and one stderr line starting with <c>tributary: </c> and <paramref name="startsWith"/>, no stack trace.</summary>
    internal static void AssertOneLineError(CliResult result, string startsWith)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("tributary: " + startsWith, result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
