using System.Collections.Concurrent;
using Tributary.Protocol;

namespace Tributary.Broker.Network;

/// <summary>
/// The network path between clients and one broker, as <see cref="Faults.NetworkControls"/> sets it: its listeners
/// reset connections while it is isolated, its connections consult it before answering, and it knows every open
/// connection so that they can all be reset at once.
/// </summary>
internal sealed class BrokerLink(int brokerId)
{
    private readonly ConcurrentDictionary<KafkaConnection, byte> _connections = new();
    private long _latencyTicks;
    private long _bytesPerSecond;
    private volatile bool _isolated;
    private volatile bool _blackHoled;

    /// <summary>The broker.</summary>
    public int BrokerId { get; } = brokerId;

    /// <summary>Added before every response.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>The cap on what one connection sends per second; zero for none.</summary>
    public long BytesPerSecond
    {
        get => Interlocked.Read(ref _bytesPerSecond);
        set => Interlocked.Exchange(ref _bytesPerSecond, value);
    }

    /// <summary>True while responses are delayed or paced (<see cref="Latency"/>, <see cref="BytesPerSecond"/>): each is then sent on its own.</summary>
    public bool IsShaped => Interlocked.Read(ref _latencyTicks) > 0 || Interlocked.Read(ref _bytesPerSecond) > 0;

    /// <summary>Every connection is reset, new ones as soon as they are accepted.</summary>
    public bool Isolated
    {
        get => _isolated;
        set => _isolated = value;
    }

    /// <summary>Requests are read and never answered.</summary>
    public bool BlackHoled
    {
        get => _blackHoled;
        set => _blackHoled = value;
    }

    /// <summary>How many client connections are open.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>A connection started; it is reset at once while the broker is isolated (false then).</summary>
    public bool Register(KafkaConnection connection)
    {
        _connections[connection] = 0;
        if (!_isolated) return true;
        connection.Reset();
        return false;
    }

    /// <summary>A connection ended.</summary>
    public void Unregister(KafkaConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>Resets every open connection (TCP RST).</summary>
    public void ResetAll()
    {
        foreach (var connection in _connections.Keys) connection.Reset();
    }

    /// <summary>
    /// Sends <paramref name="frames"/> in order: together, in one gathering send where the socket allows it, or, while the
    /// link is shaped (<see cref="IsShaped"/>), one after the other, each delayed and paced as <see cref="SendAsync(Stream, PooledBufferWriter, SocketSender, CancellationToken)"/>
    /// sends one. False when the client of a plain socket has gone.
    /// </summary>
    public async ValueTask<bool> SendAsync(Stream stream, IReadOnlyList<PooledBufferWriter> frames, SocketSender sender, CancellationToken cancellationToken)
    {
        if (!IsShaped) return await FrameWriter.WriteAsync(stream, frames, sender, cancellationToken).ConfigureAwait(false);
        foreach (var frame in frames)
        {
            if (!await SendAsync(stream, frame, sender, cancellationToken).ConfigureAwait(false)) return false;
        }
        return true;
    }

    /// <summary>
    /// Sends <paramref name="frame"/> whole, or, under a bandwidth cap, in slices paced to the cap. False when the client
    /// of a plain socket has gone (<see cref="FrameWriter.WriteAsync(Stream, PooledBufferWriter, SocketSender, CancellationToken)"/>).
    /// </summary>
    public async ValueTask<bool> SendAsync(Stream stream, PooledBufferWriter frame, SocketSender sender, CancellationToken cancellationToken)
    {
        var latency = Latency;
        if (latency > TimeSpan.Zero) await Task.Delay(latency, cancellationToken).ConfigureAwait(false);
        var rate = BytesPerSecond;
        if (rate <= 0) return await FrameWriter.WriteAsync(stream, frame, sender, cancellationToken).ConfigureAwait(false);
        // Slices of a twentieth of a second's worth, each followed by its share of time.
        var slice = (int)Math.Clamp(rate / 20, 1, int.MaxValue);
        var segments = frame.Segments;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            for (var offset = 0; offset < segment.Length; offset += slice)
            {
                var part = segment.Slice(offset, Math.Min(slice, segment.Length - offset));
                await stream.WriteAsync(part, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds((double)part.Length / rate), cancellationToken).ConfigureAwait(false);
            }
        }
        return true;
    }
}
