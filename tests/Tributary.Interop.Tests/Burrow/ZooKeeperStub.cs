using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Tributary.Interop.Tests.Burrow;

/// <summary>
/// Just enough of ZooKeeper's wire protocol for Burrow 1.x, which will not start without a ZooKeeper for its own
/// coordination (it keeps nothing about Kafka there when no ZooKeeper cluster module is configured): sessions are
/// accepted, every create answers NODEEXISTS (Burrow creates its root path and ignores that answer), pings and
/// closes succeed, and any other request answers NONODE. Kafka itself is not involved.
/// </summary>
internal sealed class ZooKeeperStub : IAsyncDisposable
{
    private const int Ping = 11, Create = 1, CloseSession = -11;
    private const int NoNode = -101, NodeExists = -110;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public ZooKeeperStub()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>"127.0.0.1:port", for Burrow's <c>zookeeper.servers</c>.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            // ConnectRequest: protocol version, last zxid, timeout, session id, password. Answer: version, timeout, session, password.
            var connect = await ReadFrameAsync(stream);
            var timeout = BinaryPrimitives.ReadInt32BigEndian(connect.AsSpan(12));
            var answer = new byte[4 + 4 + 8 + 4 + 16];
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(4), timeout);
            BinaryPrimitives.WriteInt64BigEndian(answer.AsSpan(8), 1);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(16), 16);
            await WriteFrameAsync(stream, answer);
            while (!_stop.IsCancellationRequested)
            {
                var request = await ReadFrameAsync(stream);
                var xid = BinaryPrimitives.ReadInt32BigEndian(request);
                var opcode = BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(4));
                var reply = new byte[4 + 8 + 4];
                BinaryPrimitives.WriteInt32BigEndian(reply, xid);
                BinaryPrimitives.WriteInt32BigEndian(reply.AsSpan(12), opcode switch { Ping or CloseSession => 0, Create => NodeExists, _ => NoNode });
                await WriteFrameAsync(stream, reply);
                if (opcode == CloseSession) return;
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException)
        {
            // Burrow went away.
        }
    }

    private async Task<byte[]> ReadFrameAsync(NetworkStream stream)
    {
        var length = new byte[4];
        await stream.ReadExactlyAsync(length, _stop.Token);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(length)];
        await stream.ReadExactlyAsync(frame, _stop.Token);
        return frame;
    }

    private async Task WriteFrameAsync(NetworkStream stream, byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        await stream.WriteAsync(frame, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
