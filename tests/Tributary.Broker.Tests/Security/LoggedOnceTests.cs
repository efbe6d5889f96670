using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Security;

/// <summary>Each hostile or misconfigured connection costs exactly one log line at warning level, naming what went wrong.</summary>
public class LoggedOnceTests : IAsyncLifetime
{
    private readonly CollectingLoggerFactory _logs = new();
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.Ssl), new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        LoggerFactory = _logs,
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private int Port(int listener) => _cluster.Brokers[0].Endpoints[listener].Port;

    private async Task<string> TheOneWarningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_logs.Warnings.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20);
        await Task.Delay(200); // a second line would come right after the first
        return Assert.Single(_logs.Warnings);
    }

    [Fact]
    public async Task Plaintext_bytes_on_the_tls_port()
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", Port(1));
        await socket.SendFrameAsync(RawRequests.Encode(new ApiVersionsRequest(), 0));
        Assert.True(await socket.IsClosedByBrokerAsync());
        Assert.Contains("TLS handshake", await TheOneWarningAsync());
    }

    [Fact]
    public async Task A_tls_handshake_on_the_plaintext_port()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Port(0));
        await using var tls = new SslStream(tcp.GetStream());
        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync("127.0.0.1"));
        Assert.Contains("the start of a TLS handshake", await TheOneWarningAsync());
    }

    [Fact]
    public async Task A_sasl_client_on_the_plaintext_port()
    {
        // Confluent.Kafka configured for SASL_PLAINTEXT: ApiVersions works, then its SaslHandshake is answered
        // ILLEGAL_SASL_STATE, and the broker says what the client attempted.
        using var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig
        {
            BootstrapServers = $"127.0.0.1:{Port(0)}",
            SecurityProtocol = Confluent.Kafka.SecurityProtocol.SaslPlaintext,
            SaslMechanism = Confluent.Kafka.SaslMechanism.ScramSha256,
            SaslUsername = "alice",
            SaslPassword = "secret",
            ClientId = "misconfigured-app",
        }).Build();
        Assert.ThrowsAny<Confluent.Kafka.KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(2)));

        var warning = await TheFirstWarningAsync();
        Assert.Contains("(client id misconfigured-app)", warning);
        Assert.Contains("attempted a SASL handshake (mechanism SCRAM-SHA-256) on listener PLAINTEXT, which has no SASL", warning);
    }

    // A client that retries repeats its attempt; the first line is the one to read.
    private async Task<string> TheFirstWarningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_logs.Warnings.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20);
        return Assert.IsType<string>(_logs.Warnings.FirstOrDefault());
    }

    [Fact]
    public async Task A_request_before_sasl_authentication()
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", Port(2));
        await socket.SendFrameAsync(RawRequests.Encode(new MetadataRequest { Topics = [] }, 12));
        Assert.True(await socket.IsClosedByBrokerAsync());
        Assert.Contains("before authenticating it sent Metadata", await TheOneWarningAsync());
    }

    /// <summary>Keeps the text of every warning or worse.</summary>
    private sealed class CollectingLoggerFactory : ILoggerFactory
    {
        public ConcurrentQueue<string> Warnings { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Collector(this);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }

        private sealed class Collector(CollectingLoggerFactory provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Warning) provider.Warnings.Enqueue(formatter(state, exception));
            }
        }
    }
}
