namespace Tributary.Cli.Tests;

/// <summary>
/// An idle <c>tributary broker</c> carries only what it uses: the runtime's own threads, and no assemblies of options it
/// was not given (docs/benchmarks.md, "Idle footprint and startup, thread by thread"). Read from /proc, as on Linux.
/// </summary>
public sealed class IdleFootprintTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_idle_broker_runs_no_thread_of_its_own_and_loads_no_metrics_exporter_dependency_injection_cryptography_or_kafka_client()
    {
        using var broker = CliRunner.Start(null, "broker", "--brokers", "3", "--port", "0");
        _ = broker.StandardError.ReadToEndAsync();
        try
        {
            Assert.NotNull(await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience));

            // The runtime names its threads ".NET ..."; the main thread keeps the program's name.
            var threads = Directory.GetDirectories($"/proc/{broker.Id}/task").Select(ThreadName).OfType<string>().ToList();
            Assert.All(threads, name => Assert.True(name.StartsWith(".NET ", StringComparison.Ordinal) || name == "dotnet",
                $"thread '{name}' among {string.Join(", ", threads)}"));

            var mapped = File.ReadAllLines($"/proc/{broker.Id}/maps").Select(line => Path.GetFileName(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last()))
                .ToHashSet();
            // Cryptography serves SASL users and TLS, which this broker has none of; the Kafka client serves the other commands.
            foreach (var assembly in new[]
                     {
                         "OpenTelemetry.dll", "System.Net.HttpListener.dll", "Microsoft.Extensions.DependencyInjection.dll", "System.Text.Json.dll",
                         "System.Security.Cryptography.dll", "Confluent.Kafka.dll",
                     })
                Assert.DoesNotContain(assembly, mapped);
        }
        finally
        {
            broker.Kill();
        }
    }

    [Fact]
    public async Task A_broker_serves_its_sockets_on_one_event_thread_per_processor_unless_the_user_turned_that_off()
    {
        // Inline socket completions (BrokerCommand.CompleteSocketsOnEventThreads): the runtime then starts one event thread per
        // processor; without them, one for many processors (1 on this machine).
        var inline = await SocketEventThreadsAsync(new Dictionary<string, string>());
        var pooled = await SocketEventThreadsAsync(new Dictionary<string, string> { [BrokerCommand.InlineCompletionsVariable] = "0" });

        Assert.Equal(Environment.ProcessorCount, inline);
        Assert.True(pooled < inline || Environment.ProcessorCount == 1, $"{pooled} event threads with the setting off, {inline} with it on");
    }

    private static async Task<int> SocketEventThreadsAsync(IReadOnlyDictionary<string, string> environment)
    {
        using var broker = CliRunner.StartWithEnvironment(environment, null, "broker", "--port", "0");
        _ = broker.StandardError.ReadToEndAsync();
        try
        {
            Assert.NotNull(await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience));
            return Directory.GetDirectories($"/proc/{broker.Id}/task").Select(ThreadName).Count(name => name == ".NET Sockets");
        }
        finally
        {
            broker.Kill();
        }
    }

    // Null when the thread ended between listing and reading.
    private static string? ThreadName(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
