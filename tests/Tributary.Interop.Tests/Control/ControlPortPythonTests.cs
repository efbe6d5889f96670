using System.Diagnostics;
using System.Text.Json;

namespace Tributary.Interop.Tests.Control;

/// <summary>
/// A Python test suite driving faults through <c>tributary broker --control-port</c> (urllib and JSON, as any language
/// would) while confluent-kafka-python reacts as it does to the real fault: a slow leader makes a produce time out and
/// retry, a leader move makes the producer find the new leader, a held produce is delivered only once released.
/// </summary>
public sealed class ControlPortPythonTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private const string Python = "/usr/bin/python3";
    private readonly string _directory = Directory.CreateTempSubdirectory("tributary-interop-control-").FullName;
    private Process _broker = null!;
    private string _bootstrap = "";
    private string _control = "";

    public async Task InitializeAsync()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var command = Path.Combine(ExternalClient.ScriptRoot, "..", "..", "src", "Tributary.Cli", "bin", configuration, "net10.0", "tributary.dll");
        Assert.True(File.Exists(command), $"The command is not built at {command}.");
        var controlFile = Path.Combine(_directory, "control.txt");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { command, "broker", "--brokers", "3", "--port", "0", "--control-port", "0", "--control-file", controlFile })
            start.ArgumentList.Add(argument);
        _broker = Process.Start(start)!;
        _ = _broker.StandardError.ReadToEndAsync();
        _bootstrap = (await _broker.StandardOutput.ReadLineAsync().WaitAsync(Patience))!;
        _control = (await File.ReadAllTextAsync(controlFile)).Trim();
    }

    public async Task DisposeAsync()
    {
        _broker.Kill(entireProcessTree: true);
        await _broker.WaitForExitAsync();
        _broker.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private Task<JsonElement> RunAsync(string scenario) =>
        ExternalClient.RunJsonAsync(Python, ["python/control_port_faults.py", scenario, "--bootstrap", _bootstrap, "--control", _control], Patience);

    [Fact]
    public async Task A_slow_leader_makes_the_python_producer_time_out_and_retry_until_the_latency_is_removed()
    {
        var result = await RunAsync("latency");

        Assert.True(result.GetProperty("undelivered_while_slow").GetBoolean(), result.ToString());
        Assert.Equal(2, result.GetProperty("delivered").GetInt32());
        Assert.Empty(result.GetProperty("errors").EnumerateArray());
        Assert.True(result.GetProperty("attempts").GetInt32() >= 2, $"the produce was retried: {result}");
    }

    [Fact]
    public async Task A_leader_moved_over_http_is_found_by_the_python_producer()
    {
        var result = await RunAsync("leader-move");

        Assert.NotEqual(result.GetProperty("before").GetInt32(), result.GetProperty("after").GetInt32());
        Assert.Equal(result.GetProperty("after").GetInt32(), result.GetProperty("client_sees").GetInt32());
        Assert.Equal(0, result.GetProperty("undelivered").GetInt32());
        Assert.Equal(["before", "after"], result.GetProperty("values").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task A_held_produce_is_delivered_only_once_released_over_http()
    {
        var result = await RunAsync("hold");

        Assert.Equal(0, result.GetProperty("delivered_while_held").GetInt32());
        Assert.Equal(1, result.GetProperty("delivered").GetInt32());
        Assert.Empty(result.GetProperty("errors").EnumerateArray());
    }
}
