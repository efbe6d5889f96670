using System.Diagnostics;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Tributary.Testing;

namespace Tributary.Cli.Tests;

/// <summary>Long-running commands stop cleanly on SIGTERM (or Ctrl-C) with exit code 0.</summary>
[Collection(KafkaCollection.Name)]
public sealed class SignalTests(EmbeddedKafkaFixture kafka)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Broker_prints_the_bootstrap_list_first_and_exits_zero_on_SIGTERM()
    {
        using var broker = Start(null, "broker", "--brokers", "2", "--port", "0");

        var bootstrap = await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience);
        Assert.Matches(@"^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$", bootstrap);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            Assert.Equal(2, admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Count);

        Assert.Equal(0, await TerminateAsync(broker));
    }

    [Fact]
    public async Task Broker_writes_its_bootstrap_file_whole_and_removes_it_on_SIGTERM()
    {
        var file = Path.Combine(Path.GetTempPath(), EmbeddedKafkaFixture.UniqueName("bootstrap") + ".txt");
        using var broker = Start(null, "broker", "--port", "0", "--bootstrap-file", file, "--log-level", "Debug");

        var printed = await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience);
        Assert.Equal(printed + "\n", await File.ReadAllTextAsync(file)); // written before or as the line is printed

        Assert.Equal(0, await TerminateAsync(broker));
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Broker_at_Debug_level_logs_one_line_per_request()
    {
        using var broker = CliRunner.Start(null, "broker", "--port", "0", "--log-level", "Debug");
        var log = broker.StandardError.ReadToEndAsync();
        var bootstrap = await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience);

        var listed = await CliRunner.RunAsync(bootstrap, null, "topics", "list");

        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Equal(0, await TerminateAsync(broker));
        Assert.Matches(new Regex(@"^dbug: Tributary\.Broker[.\w]*\[\d+\] Broker 1 connection \d+ \(rdkafka at 127\.0\.0\.1\): Metadata v\d+ #\d+ handled in [\d.]+ ms$",
            RegexOptions.Multiline), await log);
    }

    [Fact]
    public async Task Consume_without_an_end_exits_zero_on_SIGTERM()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 1);
        using var consumer = Start(kafka.BootstrapServers, "consume", "-t", topic);

        Assert.Equal("value-0", await consumer.StandardOutput.ReadLineAsync().WaitAsync(Patience));

        Assert.Equal(0, await TerminateAsync(consumer));
    }

    [Fact]
    public async Task Produce_waiting_for_a_line_stops_on_Ctrl_C_and_keeps_what_was_read()
    {
        var topic = await kafka.CreateTopicAsync();
        using var producer = Start(kafka.BootstrapServers, "produce", "-t", topic);
        await producer.StandardInput.WriteAsync("one\ntwo\n");
        await producer.StandardInput.FlushAsync(); // stdin stays open, as a terminal's does: the command waits for a line

        Assert.Equal(["one", "two"], (await kafka.ConsumeAsync(topic, 2, timeout: Patience)).Select(r => r.Message.Value));
        AssertInterruptCanReach(producer);

        using (var interrupt = Process.Start("kill", ["-INT", producer.Id.ToString()]))
            await interrupt.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await producer.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, producer.ExitCode);
    }

    [Fact]
    public async Task Pipe_drains_and_exits_zero_on_SIGTERM()
    {
        var (input, output) = (await kafka.CreateTopicAsync(), await kafka.CreateTopicAsync());
        var group = EmbeddedKafkaFixture.UniqueName("pipe");
        await kafka.ProduceAsync(input, 3);
        using var pipe = Start(kafka.BootstrapServers, "pipe", "--from", input, "--to", output, "-G", group, "-T", "upper");

        var records = await kafka.ConsumeAsync(output, 3, timeout: Patience);

        Assert.Equal(["VALUE-0", "VALUE-1", "VALUE-2"], records.Select(r => r.Message.Value));
        Assert.Equal(0, await TerminateAsync(pipe));
        await kafka.WaitForZeroLagAsync(group, input);
    }

    /// <summary>
    /// Fails at once, saying why, when <paramref name="process"/> ignores SIGINT: a command run in the background of a shell
    /// without job control (<c>cmd &amp;</c> in a script) starts so, and the processes it starts inherit it, as they should.
    /// A Ctrl-C test could then only time out.
    /// </summary>
    private static void AssertInterruptCanReach(Process process)
    {
        var status = $"/proc/{process.Id}/status";
        if (!File.Exists(status)) return;
        var ignored = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))?["SigIgn:".Length..].Trim();
        const ulong sigint = 1UL << (2 - 1);
        if (ignored is not null && (Convert.ToUInt64(ignored, 16) & sigint) != 0)
            Assert.Fail($"The command ignores SIGINT (SigIgn: {ignored} in {status}), inherited from this test run: run the tests in the foreground, not as a background job of a script.");
    }

    // Logs go to stderr; reading it keeps a full pipe from blocking the command.
    private static Process Start(string? bootstrap, params string[] args)
    {
        var process = CliRunner.Start(bootstrap, args);
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static async Task<int> TerminateAsync(Process process)
    {
        CliRunner.Terminate(process);
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }
}
