using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Tributary.Broker.Cluster;

namespace Tributary.Broker.Network;

/// <summary>
/// The TCP listener of one broker. Accepts clients on the broker's address and serves each on its own
/// <see cref="KafkaConnection"/>. Stopping closes the listening socket and every connection, freeing the port.
/// </summary>
internal sealed class BrokerListener : IAsyncDisposable
{
    private static long _nextConnectionId;

    private readonly BrokerNode _broker;
    private readonly ListenerDefinition _listener;
    private readonly IRequestProcessor _processor;
    private readonly int _maxRequestSize;
    private readonly ILogger _logger;
    private readonly BrokerLink _link;
    private readonly ConcurrentDictionary<KafkaConnection, Task> _connections = new();
    private readonly Socket _socket;
    private readonly Task _acceptLoop;

    private BrokerListener(BrokerNode broker, ListenerDefinition listener, Socket socket, IRequestProcessor processor, int maxRequestSize, ILogger logger, BrokerLink link)
    {
        _link = link;
        _broker = broker;
        _listener = listener;
        _socket = socket;
        _processor = processor;
        _maxRequestSize = maxRequestSize;
        _logger = logger;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The bound port.</summary>
    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>
    /// Listens on <paramref name="host"/>:<paramref name="port"/> (0 = any free port) for <paramref name="broker"/>, as
    /// <paramref name="listener"/> (default: a lone PLAINTEXT listener), its connections shaped by <paramref name="link"/>
    /// (default: a network that does nothing to them).
    /// </summary>
    public static BrokerListener Start(BrokerNode broker, string host, int port, IRequestProcessor processor, int maxRequestSize, ILogger logger,
        ListenerDefinition? listener = null, BrokerLink? link = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowRebindDuringTimeWait(socket);
            socket.Bind(new IPEndPoint(IPAddress.Parse(host), port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new BrokerListener(broker, listener ?? ListenerDefinition.Plaintext, socket, processor, maxRequestSize, logger, link ?? new BrokerLink(broker.Id));
    }

    // A restarted broker takes its old port back even while closed connections linger in TIME_WAIT (SO_REUSEADDR).
    // Not through SocketOptionName.ReuseAddress: on Linux and macOS .NET also sets SO_REUSEPORT with it, which lets a
    // second process bind the same port, so a second cluster started on 9092 would share connections with the first.
    private static void AllowRebindDuringTimeWait(Socket socket)
    {
        if (OperatingSystem.IsLinux())
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 2 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
        else if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            socket.SetRawSocketOption(0xffff /* SOL_SOCKET */, 4 /* SO_REUSEADDR */, BitConverter.GetBytes(1));
        // Windows lets a port in TIME_WAIT be bound again without any option.
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // the listener was closed
            }
            var remote = (client.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown";
            var info = new ConnectionInfo(_broker, _listener, remote, Interlocked.Increment(ref _nextConnectionId));
            var connection = new KafkaConnection(client, info, _processor, _maxRequestSize, _logger, _link);
            // Known before it runs, so that a connection that ends at once removes itself. It runs here, on the thread that
            // accepted it, until it first waits for the network (its first request has usually arrived with the
            // connection): handing it to the thread pool cost a worker's wake-up per connection.
            _connections[connection] = Task.CompletedTask;
            var serving = ServeAsync(connection);
            if (!serving.IsCompleted) _connections.TryUpdate(connection, serving, Task.CompletedTask);
        }
    }

    private async Task ServeAsync(KafkaConnection connection)
    {
        try
        {
            await connection.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }

    /// <summary>Stops accepting, closes every connection and waits until they are done.</summary>
    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _connections.Keys) await connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
    }
}
