namespace Tributary.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_the_three_exercises_and_exits_zero_with_stdout_redirected()
    {
        var result = await CliRunner.RunAsync(null, null, "demo", "--messages", "2000");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1. Produce (PlainSink)", result.Stdout);
        Assert.Contains("2. Consume (CommittableSource)", result.Stdout);
        Assert.Contains("3. Transform (Transactional)", result.Stdout);
        Assert.Contains("Every check held.", result.Stdout);
        Assert.DoesNotContain("FAILED", result.Stdout);
    }
}
