using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Benchmarks.Cluster;
using Tributary.Broker;

namespace Tributary.Benchmarks.Streams;

/// <summary>
/// A single-broker embedded cluster in a child process (this same program, started with <c>telemetry broker</c>), so
/// that the benchmark process's CPU time is the connectors' and Confluent.Kafka's alone. The child prints its
/// bootstrap address and runs until its standard input closes.
/// </summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    /// <summary>The first argument after the benchmark's command that makes this program the broker.</summary>
    public const string Command = "broker";

    private const string BootstrapPrefix = "BOOTSTRAP ";
    private readonly Process _process;
    private readonly IAdminClient _admin;

    private BrokerProcess(Process process, string bootstrapServers)
    {
        _process = process;
        BootstrapServers = bootstrapServers;
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
    }

    /// <summary>The child's bootstrap address.</summary>
    public string BootstrapServers { get; }

    /// <summary>The child's CPU time so far (user + system, from the operating system).</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the child with <paramref name="benchmarkCommand"/> and waits for its bootstrap line.</summary>
    public static async Task<BrokerProcess> StartAsync(string benchmarkCommand)
    {
        var (program, programArguments) = ChildProcess.SelfCommand();
        var start = new ProcessStartInfo { FileName = program, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in programArguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add(benchmarkCommand);
        start.ArgumentList.Add(Command);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        while (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) is { } line)
        {
            if (line.StartsWith(BootstrapPrefix, StringComparison.Ordinal))
                return new BrokerProcess(process, line[BootstrapPrefix.Length..]);
        }
        throw new InvalidOperationException($"The broker process exited (code {process.ExitCode}) before printing its address.");
    }

    /// <summary>The child side: starts one broker, prints its address, and stops when standard input closes.</summary>
    public static async Task<int> RunChildAsync()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 1 });
        Console.WriteLine(BootstrapPrefix + cluster.BootstrapServers);
        await Console.In.ReadToEndAsync();
        return 0;
    }

    /// <summary>Creates a topic of <paramref name="partitions"/> partitions with one replica.</summary>
    public Task CreateTopicAsync(string name, int partitions) =>
        _admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }]);

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        _process.StandardInput.Close();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            _process.Kill();
        }
        _process.Dispose();
    }
}
