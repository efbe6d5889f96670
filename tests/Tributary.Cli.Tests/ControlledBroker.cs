using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Tributary.Cli.Tests;

/// <summary>
/// One <c>tributary broker --control-port 0</c> process (3 brokers) shared by a test class: its bootstrap list, its
/// control URL (from <c>--control-file</c>), what it wrote on stderr, and an HTTP helper for the control port.
/// </summary>
public sealed class ControlledBroker : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("tributary-cli-control-").FullName;
    private readonly HttpClient _http = new() { Timeout = Patience };
    private Process _broker = null!;

    /// <summary>The first listener's bootstrap list.</summary>
    public string Bootstrap { get; private set; } = "";

    /// <summary>The control port's URL, e.g. http://127.0.0.1:40123.</summary>
    public string ControlUrl { get; private set; } = "";

    /// <summary>Every line the process wrote on stderr so far.</summary>
    public ConcurrentQueue<string> Stderr { get; } = new();

    public async Task InitializeAsync()
    {
        var controlFile = Path.Combine(_directory, "control.txt");
        _broker = CliRunner.Start(null, "broker", "--brokers", "3", "--port", "0", "--control-port", "0", "--control-file", controlFile,
            "--config", "replica.lag.time.max.ms=1500");
        _ = Task.Run(async () =>
        {
            while (await _broker.StandardError.ReadLineAsync() is { } line) Stderr.Enqueue(line);
        });
        Bootstrap = (await _broker.StandardOutput.ReadLineAsync().WaitAsync(Patience))!;
        // The control file is written before the bootstrap line.
        ControlUrl = (await File.ReadAllTextAsync(controlFile)).Trim();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        CliRunner.Terminate(_broker);
        await _broker.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Calls the control port; returns the status and the JSON answer.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, ControlUrl + path);
        if (body is string raw) request.Content = new StringContent(raw);
        else if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Calls the control port and fails the test unless it answers 200.</summary>
    public async Task<JsonElement> OkAsync(HttpMethod method, string path, object? body = null)
    {
        var (status, answer) = await CallAsync(method, path, body);
        Assert.True(status == HttpStatusCode.OK, $"{method} {path}: {(int)status} {answer}");
        return answer;
    }
}
