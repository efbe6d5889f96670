using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Web;
using Microsoft.Extensions.Logging;
using Tributary.Broker;

namespace Tributary.Cli.Control;

/// <summary>One endpoint: a method and a path template whose <c>{name}</c> segments match any one segment.</summary>
internal sealed record ControlRoute(string Method, string Template, string Description, Func<ControlCall, Task<object?>> Handle)
{
    private readonly string[] _segments = Template.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The path values when <paramref name="segments"/> fit the template, else null.</summary>
    public Dictionary<string, string>? Match(string[] segments)
    {
        if (segments.Length != _segments.Length) return null;
        var values = new Dictionary<string, string>();
        for (var i = 0; i < segments.Length; i++)
        {
            if (_segments[i].StartsWith('{')) values[_segments[i][1..^1]] = segments[i];
            else if (_segments[i] != segments[i]) return null;
        }
        return values;
    }
}

/// <summary>
/// The HTTP side of <c>tributary broker --control-port</c>: HTTP/1.1 on 127.0.0.1 only (the controls stop brokers and
/// rewrite answers; nothing outside the machine may reach them), one request per connection
/// (<c>Connection: close</c>), each connection served on its own task (a request that waits, such as a controlled
/// stop, delays no other). A small server of its own rather than HttpListener, which refuses a POST without a body
/// length (<c>curl -X POST URL</c>) with 411, and rather than ASP.NET Core, which the command would then need
/// installed. Bodies are JSON (with Content-Length or chunked); every answer is JSON: the route's result with 200,
/// or <c>{"error": "..."}</c> with 400 (bad JSON or value), 404 (no such route, broker, topic or rule), 405 (a known
/// path with another method) or 409 (Kafka refused, e.g. a topic that exists). Nothing a client sends stops the server.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxBodyBytes = 1024 * 1024;
    // Quotes and apostrophes as JSON writes them (\" and '), not as \u0022 and \u0027: people read these answers.
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TcpListener _listener;
    private readonly IReadOnlyList<ControlRoute> _routes;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    private ControlServer(TcpListener listener, IReadOnlyList<ControlRoute> routes, ILogger logger)
    {
        _listener = listener;
        _routes = routes;
        _logger = logger;
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Where the server answers, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public string Url { get; }

    /// <summary>Starts serving the controls of <paramref name="cluster"/> on 127.0.0.1:<paramref name="port"/> (0 picks a free port).</summary>
    /// <exception cref="SocketException">The port is taken.</exception>
    public static ControlServer Start(EmbeddedKafkaCluster cluster, int port, ILogger logger)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return new ControlServer(listener, ControlRoutes.For(cluster), logger);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return; // stopped
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30)); // reading the request, not handling it
                var request = await HttpRequestReader.ReadAsync(stream, MaxHeaderBytes, MaxBodyBytes, timeout.Token).ConfigureAwait(false);
                var (status, result) = request.Problem is { } problem
                    ? (HttpStatusCode.BadRequest, new { error = problem })
                    : await HandleAsync(request).ConfigureAwait(false);
                await RespondAsync(stream, status, result).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The caller went away, was too slow, or the broker is stopping.
            }
        }
    }

    private async Task<(HttpStatusCode, object?)> HandleAsync(HttpRequest request)
    {
        HttpStatusCode status;
        object? result;
        try
        {
            (status, result) = (HttpStatusCode.OK, await DispatchAsync(request).ConfigureAwait(false));
        }
        catch (ControlException e)
        {
            (status, result) = (e.Status, new { error = e.Message });
        }
        catch (EmbeddedKafkaException e)
        {
            (status, result) = (HttpStatusCode.Conflict, new { error = e.Message, kafkaError = ControlRoutes.KafkaName(e.Error) });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            (status, result) = (HttpStatusCode.BadRequest, new { error = e is ArgumentException argument ? WithoutParameter(argument) : e.Message });
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Control request {Method} {Path} failed", request.Method, request.Path);
            (status, result) = (HttpStatusCode.InternalServerError, new { error = e.Message });
        }
        _logger.LogInformation("Control {Method} {Path}: {Status}", request.Method, request.Path, (int)status);
        return (status, result);
    }

    private async Task<object?> DispatchAsync(HttpRequest request)
    {
        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var matches = _routes.Select(route => (Route: route, Values: route.Match(segments))).Where(m => m.Values is not null).ToList();
        if (matches.Count == 0) throw ControlException.NotFound($"no control at {request.Path} (GET / lists them)");
        var (route, values) = matches.FirstOrDefault(m => m.Route.Method == request.Method);
        if (route is null)
            throw new ControlException(HttpStatusCode.MethodNotAllowed, $"{request.Path} takes {string.Join(", ", matches.Select(m => m.Route.Method).Distinct())}, not {request.Method}");
        return await route.Handle(new ControlCall(values!, HttpUtility.ParseQueryString(request.Query), ParseBody(request.Body))).ConfigureAwait(false);
    }

    private static JsonElement? ParseBody(string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw ControlException.BadRequest("the body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ControlException.BadRequest($"the body is not valid JSON: {e.Message}");
        }
    }

    private static async Task RespondAsync(Stream stream, HttpStatusCode status, object? result)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(result ?? new { ok = true }, Json);
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {(int)status} {ReasonPhrase(status)}\r\nContent-Type: application/json\r\nContent-Length: {body.Length + 1}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(head).ConfigureAwait(false);
        await stream.WriteAsync(body).ConfigureAwait(false);
        await stream.WriteAsync("\n"u8.ToArray()).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    private static string ReasonPhrase(HttpStatusCode status) => status switch
    {
        HttpStatusCode.OK => "OK",
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.MethodNotAllowed => "Method Not Allowed",
        HttpStatusCode.Conflict => "Conflict",
        _ => "Internal Server Error",
    };

    // ArgumentException adds " (Parameter 'x')" to its message: not for users.
    private static string WithoutParameter(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }
}
