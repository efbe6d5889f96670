namespace Tributary.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_the_three_exercises_and_exits_zero_with_stdout_redirected()
    {
        var result = await CliRunner.RunAsync(null, null, "demo", "--messages", "2000");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1. Produce with KafkaProducer.PlainSink: ok", result.Stdout);
        Assert.Contains("2. Consume with KafkaConsumer.CommittableSource: ok", result.Stdout);
        Assert.Contains("3. Transform exactly-once with Transactional.Source and Transactional.Sink: ok", result.Stdout);
        Assert.Contains("Every check held.", result.Stdout);
        Assert.DoesNotContain("FAILED", result.Stdout);
        var start = result.Stdout.IndexOf("Summary", StringComparison.Ordinal);
        var summary = result.Stdout[start..result.Stdout.IndexOf("Every check held.", start, StringComparison.Ordinal)].Split('\n');
        Assert.All(summary, line => Assert.True(line.TrimEnd().Length <= 80, $"{line.TrimEnd().Length} columns: {line}")); // no wrapping on an 80-column terminal
        Assert.Contains(summary, line => line.Contains("3. Transform") && line.Contains("2,000"));
    }
}
