namespace Tributary.Cli.Tests;

/// <summary>
/// The demo as CI runs it (stdout redirected, no terminal): every step through the secured cluster, each step alone
/// (with the steps it builds on and no others), the old plain demo, and a real failure that makes the exit code 1.
/// </summary>
public sealed class DemoCommandTests
{
    private static readonly string[] Titles =
    [
        "Produce with KafkaProducer.PlainSink",
        "Consume with KafkaConsumer.CommittableSource",
        "Transform exactly-once with Transactional.Source and Transactional.Sink",
        "Replay from the beginning in a second consumer group",
        "Security: a wrong password and a consumer without its group ACL refused",
        "Replication: acks=all through a crash, acks=1's loss, acks=all's latency",
    ];

    [Fact]
    public async Task Demo_runs_every_step_through_the_secured_cluster_and_exits_zero_with_stdout_redirected()
    {
        var result = await CliRunner.RunAsync(null, null, "demo", "--messages", "1000");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SASL_SSL on 127.0.0.1:", Unwrapped(result));
        Assert.All(Titles, title => Assert.Contains($"{title}: ok", Unwrapped(result)));
        Assert.Contains("Every check held.", result.Stdout);
        Assert.DoesNotContain("FAILED", result.Stdout);
        var summary = Summary(result);
        Assert.All(summary, line => Assert.True(line.TrimEnd().Length <= 80, $"{line.TrimEnd().Length} columns: {line}")); // no wrapping on an 80-column terminal
        Assert.Contains(summary, line => line.Contains("3. Transform") && line.Contains("1,000 of 1,000"));
        // What the steps showed, said plainly under the table.
        Assert.Contains("acks=1 LOST 50 acknowledged messages", Unwrapped(result));
        Assert.Contains("of group 'demo-reporting' is not authorized (GroupAuthorizationFailed", Unwrapped(result));
    }

    [Theory]
    [InlineData("produce", new[] { "produce" })]
    [InlineData("consume", new[] { "produce", "consume" })]
    [InlineData("transform", new[] { "produce", "transform" })]
    [InlineData("replay", new[] { "produce", "consume", "replay" })]
    [InlineData("security", new[] { "security" })]
    [InlineData("replication", new[] { "replication" })]
    public async Task Each_step_runs_alone_with_only_the_steps_it_builds_on(string step, string[] expected)
    {
        var result = await CliRunner.RunAsync(null, null, "demo", step, "--messages", "300");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"steps: {string.Join(", ", expected)}.", Unwrapped(result));
        Assert.Equal(expected.Length, Titles.Count(title => Unwrapped(result).Contains($"{title}: ok")));
        Assert.Contains("Every check held.", result.Stdout);
    }

    [Fact]
    public async Task Plaintext_runs_the_three_seed_exercises_on_a_cluster_without_security()
    {
        var result = await CliRunner.RunAsync(null, null, "demo", "--plaintext", "--messages", "300");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("PLAINTEXT on 127.0.0.1:", Unwrapped(result));
        Assert.Contains("steps: produce, consume, transform.", Unwrapped(result));
        Assert.Contains("Every check held.", result.Stdout);
    }

    [Fact]
    public async Task The_security_step_needs_the_secured_cluster()
    {
        var result = await CliRunner.RunAsync(null, null, "demo", "security", "--plaintext");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the security step needs the secured cluster", result.Stderr);
    }

    // The hidden test hook denies the application WRITE on the greetings topic: the produce step is refused by the
    // broker for real, its check fails, and the exit code says so.
    [Fact]
    public async Task A_check_that_fails_makes_the_exit_code_1_and_is_named_in_the_summary()
    {
        var result = await CliRunner.RunAsync(null, null, "demo", "produce", "--messages", "100", "--test-deny-produce");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("1. Produce FAILED", result.Stdout);
        Assert.Contains("Topic authorization failed", Unwrapped(result));
        Assert.Contains("Some checks failed.", result.Stdout);
        Assert.DoesNotContain("Every check held.", result.Stdout);
    }

    private static string[] Summary(CliResult result)
    {
        var start = result.Stdout.IndexOf("Summary", StringComparison.Ordinal);
        return result.Stdout[start..].Split('\n');
    }

    // The console wraps long lines at 80 columns; the assertions look for sentences.
    private static string Unwrapped(CliResult result) => result.Stdout.Replace("\r", "").Replace(" \n", " ").Replace("\n", " ");
}
