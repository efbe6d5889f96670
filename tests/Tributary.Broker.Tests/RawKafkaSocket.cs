using System.Buffers.Binary;
using System.Net.Sockets;

namespace Tributary.Broker.Tests;

/// <summary>A bare TCP client for feeding a broker bytes that no real client would send.</summary>
internal sealed class RawKafkaSocket : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;

    public static async Task<RawKafkaSocket> ConnectAsync(string host, int port)
    {
        var socket = new RawKafkaSocket();
        await socket._client.ConnectAsync(host, port).WaitAsync(Timeout);
        socket._stream = socket._client.GetStream();
        return socket;
    }

    /// <summary>
    /// Whether a broker refuses a new connection: refused or reset while connecting, or closed right after. A broker
    /// that resets connections as it accepts them can be seen either way, depending on when the reset reaches the client.
    /// </summary>
    public static async Task<bool> IsConnectionRefusedAsync(string host, int port)
    {
        RawKafkaSocket socket;
        try
        {
            socket = await ConnectAsync(host, port);
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
        {
            return true;
        }
        using (socket) return await socket.IsClosedByBrokerAsync();
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask().WaitAsync(Timeout);

    /// <summary>Sends <paramref name="body"/> with its int32 length prefix.</summary>
    public Task SendFrameAsync(byte[] body)
    {
        var frame = new byte[body.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return SendAsync(frame);
    }

    /// <summary>Reads one response frame (without its length prefix), or null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReadFrameAsync()
    {
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(prefix)) return null;
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        return await ReadExactlyAsync(body) ? body : null;
    }

    /// <summary>True when the broker closes the connection (reads end) before the timeout.</summary>
    public async Task<bool> IsClosedByBrokerAsync()
    {
        try
        {
            var buffer = new byte[256];
            while (await _stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout) > 0) { }
            return true;
        }
        catch (IOException)
        {
            return true; // reset by the broker
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private async Task<bool> ReadExactlyAsync(byte[] buffer)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Timeout);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }

    public void Dispose() => _client.Dispose();
}
