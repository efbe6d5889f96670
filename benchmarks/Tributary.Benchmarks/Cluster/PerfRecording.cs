using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// A <c>perf record</c> of one server process (<see cref="ServerProcess"/>) over one measured scenario
/// (<c>--perf-record DIR</c>): sampled call stacks of every thread of that process, written to a file per scenario and
/// round, so that a profile of a server covers exactly what the benchmark measured of it and nothing of the warm-up, the
/// clients or the other servers.
/// </summary>
/// <remarks>
/// <para>The recording starts before the measurement begins and stops after it ends, so it also holds the measurement's own
/// work, on the server's <c>Bench commands</c> thread (reading every thread's time): read a report with
/// <c>perf report --comm</c> naming the server's other threads. Symbols of the runtime's compiled code need the server
/// started with <c>DOTNET_PerfMapEnabled=1</c> (its /tmp/perf-PID.map) and <c>DOTNET_EnableWriteXorExecute=0</c> (else
/// that code runs from a double mapping perf cannot name); the benchmark's environment passes on to its servers.</para>
/// <para>Sampling at <see cref="Frequency"/> with call graphs costs the server CPU too, so a recording run's figures are
/// not the benchmark's figures: profile in one run, measure in another.</para>
/// </remarks>
internal sealed partial class PerfRecording : IAsyncDisposable
{
    /// <summary>Samples a second per CPU: a 1-broker consume session (about 10 ms of server CPU) then gives a few hundred.</summary>
    private const int Frequency = 19_999;

    /// <summary>A margin for perf to attach to every thread of the server before the measurement begins (the client waits meanwhile).</summary>
    private static readonly TimeSpan AttachTime = TimeSpan.FromMilliseconds(300);

    private const int SigInt = 2;

    private readonly Process _perf;

    private PerfRecording(Process perf) => _perf = perf;

    /// <summary>Starts recording process <paramref name="processId"/> into <paramref name="path"/> and returns once perf has attached.</summary>
    public static async Task<PerfRecording> StartAsync(int processId, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string[] arguments = ["record", "-F", Frequency.ToString(CultureInfo.InvariantCulture), "-g", "-p", processId.ToString(CultureInfo.InvariantCulture), "-o", path];
        var start = new ProcessStartInfo("perf", arguments) { UseShellExecute = false, RedirectStandardError = true };
        var perf = Process.Start(start) ?? throw new InvalidOperationException("Could not start perf (from the linux-perf package).");
        _ = perf.StandardError.ReadToEndAsync(cancellationToken); // its closing summary, not needed
        await Task.Delay(AttachTime, cancellationToken);
        if (perf.HasExited) throw new InvalidOperationException($"perf record of process {processId} exited with {perf.ExitCode}.");
        return new PerfRecording(perf);
    }

    /// <summary>Stops the recording (SIGINT, as Ctrl-C: perf writes its file out) and waits until the file is complete.</summary>
    public async ValueTask DisposeAsync()
    {
        using (_perf)
        {
            if (!_perf.HasExited) _ = kill(_perf.Id, SigInt);
            await _perf.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
