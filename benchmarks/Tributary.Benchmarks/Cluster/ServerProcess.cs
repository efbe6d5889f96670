using System.Text.Json;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// A benchmark target hosted in a server process of its own (this same program, started with
/// <c>cluster server &lt;target&gt; ...</c>), the benchmark's default (<c>--server-processes true</c>): each server's CPU
/// is then that process's alone, as issue 20 asks, and not shared with the benchmark's own work (starting clients,
/// reading their output) or with the other targets, idle meanwhile.
/// </summary>
/// <remarks>
/// <para>
/// The child starts the target as the benchmark would in its own process (<see cref="ClusterBenchmarks.StartTargetAsync"/>),
/// says <c>READY</c> with the target's description, and then answers each command line on its standard input with one
/// line starting with <c>OK </c> on its standard error (<see cref="ChildRole.Server"/>), until that input closes:
/// <c>create NAME PARTITIONS DELETES-EARLY</c>, <c>delete NAME</c>, <c>settle</c> (the target's periodic work, then the
/// runtime's compiler, at the end of the warm-up; answers what was compiled), <c>begin</c> and <c>end</c> (its
/// <see cref="ServerWindow"/>; <c>end</c> answers the <see cref="ServerCost"/> as JSON).
/// </para>
/// <para>
/// The child measures itself, its CPU from the kernel's process CPU clock: the same code as for a target in the benchmark's
/// process. Its window holds writing the answer to <c>begin</c> and reading the <c>end</c> line (<see cref="ServerWindow.Begin"/>).
/// </para>
/// </remarks>
internal sealed class ServerProcess : IBenchmarkTarget, ICostMeter
{
    /// <summary>The first argument after "cluster" that makes this program a server.</summary>
    public const string Command = "server";

    private const string Reply = "OK ";

    /// <summary>
    /// The name of the server's thread that serves the commands, as the scenarios' thread lists show it. Its time there is
    /// mostly the measurement's own (reading every thread's time), outside the CPU window (<see cref="ServerWindow.Begin"/>).
    /// </summary>
    private const string CommandThread = "Bench commands";

    private readonly ChildProcess _child;

    private ServerProcess(ChildProcess child, TargetDescription description)
    {
        _child = child;
        (Name, Brokers, IsManaged, SecurityProtocol, ClientConfig) = description;
    }

    public string Name { get; }

    public int Brokers { get; }

    public ICostMeter Meter => this;

    public bool IsManaged { get; }

    public string SecurityProtocol { get; }

    public IReadOnlyDictionary<string, string> ClientConfig { get; }

    /// <summary>The server process's CPU time so far, from the operating system.</summary>
    public TimeSpan Cpu => ProcessCpuClock.Of(_child.Id);

    /// <summary>The server process's id.</summary>
    public int ProcessId => _child.Id;

    /// <summary>Starts the target named <paramref name="name"/> in a server process and waits until it is up.</summary>
    public static async Task<ServerProcess> StartAsync(string name, ClusterBenchmarkOptions options, CancellationToken cancellationToken)
    {
        var child = await ChildProcess.StartAsync(
            [ClusterBenchmarks.Command, Command, name, options.RetentionName, options.AllocationProfile.ToString(), options.RequestCounts.ToString()],
            cancellationToken, ChildRole.Server);
        try
        {
            var description = JsonSerializer.Deserialize<TargetDescription>(child.Greeting)
                ?? throw new InvalidOperationException($"The server of {name} did not describe its target.");
            return new ServerProcess(child, description);
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    public Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken, bool deletesEarly = false) =>
        _child.ExchangeAsync($"create {name} {partitions} {deletesEarly}", Reply, cancellationToken);

    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken) => _child.ExchangeAsync($"delete {name}", Reply, cancellationToken);

    /// <inheritdoc />
    /// <remarks>And then waits in the server process until the runtime has stopped compiling there.</remarks>
    public async Task WaitForPeriodicWorkAsync(CancellationToken cancellationToken) =>
        Console.WriteLine($"  compiler settled in the server process: {await _child.ExchangeAsync("settle", Reply, cancellationToken)}");

    public Task BeginAsync(CancellationToken cancellationToken) => _child.ExchangeAsync("begin", Reply, cancellationToken);

    public async Task<ServerCost> EndAsync(CancellationToken cancellationToken) =>
        JsonSerializer.Deserialize<ServerCost>(await _child.ExchangeAsync("end", Reply, cancellationToken))
        ?? throw new InvalidOperationException($"The server of {Name} answered no measurement.");

    /// <summary>Closes the server's standard input, which stops its target, and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _child.ExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _child.Dispose();
        }
    }

    /// <summary>
    /// The server side: <paramref name="args"/> are the target's name, the retention (<c>whole</c> or <c>mock</c>), and
    /// whether to profile allocations and count requests; serves the commands until standard input closes.
    /// </summary>
    /// <remarks>
    /// The commands are read and served on a thread of their own (<see cref="CommandThread"/>), waiting for each to
    /// finish: were the loop continued by an <c>await</c>, it would wait for its next line on one of the thread pool's
    /// workers, the pool the brokers serve their connections on, and the pool would count that thread busy all along.
    /// </remarks>
    public static int RunChild(string[] args)
    {
        if (args is not [var name, var retention, var allocationProfile, var requestCounts])
            throw new ArgumentException("Usage: cluster server TARGET RETENTION ALLOCATION-PROFILE REQUEST-COUNTS");
        var commands = new Thread(() => ServeCommands(name, ClusterBenchmarkOptions.ParseRetention(retention), bool.Parse(allocationProfile), bool.Parse(requestCounts)))
        {
            Name = CommandThread,
        };
        commands.Start();
        commands.Join();
        return 0;
    }

    private static void ServeCommands(string name, LogRetention retention, bool allocationProfile, bool requestCounts)
    {
        using var sampler = allocationProfile ? new AllocationSampler() : null;
        using var requests = requestCounts ? new RequestCounter() : null;
        var window = new ServerWindow(sampler, requests);
        var target = Wait(ClusterBenchmarks.StartTargetAsync(name, retention, window, CancellationToken.None));
        try
        {
            var handshake = ChildProcess.Handshake(ChildRole.Server);
            ChildProcess.SayReady(handshake, JsonSerializer.Serialize(new TargetDescription(target.Name, target.Brokers, target.IsManaged, target.SecurityProtocol, target.ClientConfig)));
            while (Console.ReadLine() is { } line) handshake.WriteLine(Reply + Serve(target, window, line));
        }
        finally
        {
            Wait(target.DisposeAsync().AsTask());
        }
    }

    /// <summary>Runs one command; returns what to answer after <see cref="Reply"/>.</summary>
    private static string Serve(IBenchmarkTarget target, ServerWindow window, string line)
    {
        switch (line.Split(' '))
        {
            case ["create", var topic, var partitions, var deletesEarly]:
                Wait(target.CreateTopicAsync(topic, int.Parse(partitions), CancellationToken.None, bool.Parse(deletesEarly)));
                return "";
            case ["delete", var topic]:
                Wait(target.DeleteTopicAsync(topic, CancellationToken.None));
                return "";
            case ["settle"]:
                Wait(target.WaitForPeriodicWorkAsync(CancellationToken.None));
                return Wait(ClusterBenchmarks.WaitForCompilerAsync(CancellationToken.None));
            case ["begin"]:
                window.Begin();
                return "";
            case ["end"]:
                return JsonSerializer.Serialize(window.End());
            default:
                throw new InvalidOperationException($"Unknown server command: {line}");
        }
    }

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();

    /// <summary>What the parent needs to know of the target a server process hosts.</summary>
    private sealed record TargetDescription(string Name, int Brokers, bool IsManaged, string SecurityProtocol, IReadOnlyDictionary<string, string> ClientConfig);
}
