using System.Diagnostics;
using System.Reflection;
using Tributary.Benchmarks.Cluster;

namespace Tributary.Benchmarks;

/// <summary>
/// A child process of this program, and the line handshakes with it. A benchmark client: the child says
/// <see cref="ReadyLine"/> once it has started, waits for a line before it runs its workload, prints its result line, and
/// exits only once its standard input closes. So the server's process measures its CPU from <see cref="RunAsync"/> to the
/// result line: the workload's connections, requests and closes, not starting a process (pipes, fork and exec), the
/// runtime's handling of its exit, or reading what it printed at startup. A benchmark server (<see cref="ServerProcess"/>):
/// the child says <see cref="ReadyLine"/> once its cluster is up and then answers one line per command
/// (<see cref="ExchangeAsync"/>). Which stream carries the handshake depends on the <see cref="ChildRole"/>.
/// </summary>
/// <remarks>
/// Measured reason: with the child's whole life inside the window, the 1-broker consume scenario charged the embedded
/// broker about 5 ms a session that a standalone <c>tributary broker</c> serving the same sessions does not spend (per-thread
/// run times from /proc/PID/task/*/schedstat): its figure fell from 0.129 and 0.143 µs a message to 0.100 and 0.089 with
/// the handshake, two runs of each alternated (docs/benchmarks.md, issue 20, "Nineteenth round"). The mock is charged
/// the same; its own consume figure moves more than that between runs.
/// </remarks>
internal sealed class ChildProcess : IDisposable
{
    /// <summary>What the child prints once started, before it waits for its first line; the rest of the line is for the parent.</summary>
    private const string ReadyLine = "READY";

    /// <summary>How the child's result line starts; the rest is the result.</summary>
    private const string ResultPrefix = "RESULT ";

    private readonly Process _process;
    private readonly ChildRole _role;
    private readonly StreamReader _handshake;

    private ChildProcess(Process process, ChildRole role)
    {
        (_process, _role) = (process, role);
        _handshake = role == ChildRole.Server ? process.StandardError : process.StandardOutput;
    }

    /// <summary>What the child printed after <see cref="ReadyLine"/>, if anything.</summary>
    public string Greeting { get; private set; } = "";

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>
    /// Starts this program again with <paramref name="arguments"/> and returns once the child is ready; any line it prints
    /// on the handshake's stream other than the handshake's is shown, indented, as said by a client or a server.
    /// </summary>
    public static async Task<ChildProcess> StartAsync(string[] arguments, CancellationToken cancellationToken, ChildRole role = ChildRole.Client)
    {
        var (program, programArguments) = SelfCommand();
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = role == ChildRole.Client,
            RedirectStandardError = role == ChildRole.Server,
            UseShellExecute = false,
        };
        foreach (var argument in programArguments.Concat(arguments)) start.ArgumentList.Add(argument);
        // A listing of the broker's compiled methods (DOTNET_JitDisasmSummary, docs/benchmarks.md) is not the client's: it would garble its result line.
        if (role == ChildRole.Client) start.Environment.Remove("DOTNET_JitDisasmSummary");
        var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}."), role);
        try
        {
            child.Greeting = (await child.ReadUntilAsync(ReadyLine, cancellationToken)).Trim();
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>How to start this program again: its app host, or "dotnet" with this assembly when run that way.</summary>
    internal static (string Program, string[] Arguments) SelfCommand()
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        return Path.GetFileNameWithoutExtension(processPath) == "dotnet"
            ? (processPath, [Assembly.GetEntryAssembly()!.Location])
            : (processPath, []);
    }

    /// <summary>Sends <paramref name="line"/> and returns the rest of the first line the child answers that starts with <paramref name="replyPrefix"/>.</summary>
    public async Task<string> ExchangeAsync(string line, string replyPrefix, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync(cancellationToken);
        return await ReadUntilAsync(replyPrefix, cancellationToken);
    }

    /// <summary>Lets the child run its workload and returns its result (the text after the result prefix).</summary>
    public Task<string> RunAsync(CancellationToken cancellationToken) => ExchangeAsync("", ResultPrefix, cancellationToken);

    /// <summary>
    /// Starts a client with <paramref name="arguments"/> and runs its workload within a window of <paramref name="meter"/>,
    /// which opens once the client is ready and closes at its result line, before it exits; returns the result (the text
    /// after the result prefix) and what the meter measured.
    /// </summary>
    public static async Task<(string Result, ServerCost Cost)> RunMeteredAsync(string[] arguments, ICostMeter meter, CancellationToken cancellationToken)
    {
        using var child = await StartAsync(arguments, cancellationToken);
        await meter.BeginAsync(cancellationToken);
        var result = await child.RunAsync(cancellationToken);
        var cost = await meter.EndAsync(cancellationToken);
        await child.ExitAsync(cancellationToken);
        return (result, cost);
    }

    /// <summary>Lets the child exit and waits for it; throws unless it exited with 0.</summary>
    public async Task ExitAsync(CancellationToken cancellationToken)
    {
        _process.StandardInput.Close();
        while (await _handshake.ReadLineAsync(cancellationToken) is { } line) ShowOtherLine(line);
        await _process.WaitForExitAsync(cancellationToken);
        if (_process.ExitCode != 0) throw new InvalidOperationException($"The {RoleName} exited with code {_process.ExitCode}.");
    }

    /// <summary>The child side, before its workload: says it is ready and waits for the parent's line.</summary>
    public static void AwaitStart()
    {
        SayReady(Handshake(ChildRole.Client));
        Console.ReadLine();
    }

    /// <summary>
    /// The child side, once started: says on <paramref name="handshake"/> (<see cref="Handshake"/>) that it is ready, with
    /// <paramref name="greeting"/> (one line) for the parent.
    /// </summary>
    public static void SayReady(TextWriter handshake, string greeting = "")
    {
        handshake.WriteLine(greeting.Length == 0 ? ReadyLine : $"{ReadyLine} {greeting}");
        handshake.Flush();
    }

    /// <summary>The child side: the stream its handshake goes to, as its parent reads it for <paramref name="role"/>.</summary>
    public static TextWriter Handshake(ChildRole role) => role == ChildRole.Server ? Console.Error : Console.Out;

    /// <summary>The child side, after its workload: prints the result line and waits until the parent lets it exit.</summary>
    public static void Finish(string result)
    {
        Console.WriteLine(ResultPrefix + result);
        Console.Out.Flush();
        Console.In.ReadToEnd();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }
        }
        _process.Dispose();
    }

    private string RoleName => _role == ChildRole.Server ? "server" : "client";

    private void ShowOtherLine(string line) => Console.WriteLine($"    {RoleName}: {line}");

    /// <summary>Reads lines up to the one that starts with <paramref name="prefix"/> and returns the rest of it.</summary>
    private async Task<string> ReadUntilAsync(string prefix, CancellationToken cancellationToken)
    {
        while (await _handshake.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..];
            ShowOtherLine(line);
        }
        await _process.WaitForExitAsync(cancellationToken);
        throw new InvalidOperationException($"The {RoleName} exited (code {_process.ExitCode}) before it printed {prefix.Trim()}.");
    }
}

/// <summary>What a <see cref="ChildProcess"/> is, and so which of its streams carries the handshake.</summary>
internal enum ChildRole
{
    /// <summary>
    /// A benchmark client: the handshake on standard output. Its compiler listing (DOTNET_JitDisasmSummary) is turned off:
    /// the listing wanted is the broker's.
    /// </summary>
    Client,

    /// <summary>
    /// A benchmark server: the handshake on standard error, so that standard output stays the runtime's own, straight into
    /// the benchmark's output. A listing of its compiled methods (DOTNET_JitDisasmSummary) goes there in the compiler's
    /// own blocks, which on the handshake's stream broke its lines (the server's READY in the middle of a listing line).
    /// </summary>
    Server,
}
