using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tributary.Protocol;

namespace Tributary.Broker.Network;

/// <summary>
/// Writes a response frame to a connection's stream. A frame held in one buffer is one write. A frame that refers to
/// stored record batches in place (<see cref="PooledBufferWriter.Segments"/>) goes to a plain socket in one gathering
/// send (sendmsg with the pieces as its vectors), so the kernel copies the batches straight from the log's memory; to
/// any other stream (TLS) its pieces are written one after the other.
/// </summary>
internal static class FrameWriter
{
    /// <summary>
    /// Pieces per gathering send: Linux refuses more than 1,024 vectors in one call (IOV_MAX). A frame of more pieces
    /// (hundreds of partitions each with a large record set) takes several sends.
    /// </summary>
    private const int MaxPiecesPerSend = 512;

    /// <summary>Writes <paramref name="frame"/> to <paramref name="stream"/>, all of it or an exception.</summary>
    public static async ValueTask WriteAsync(Stream stream, PooledBufferWriter frame, CancellationToken cancellationToken)
    {
        var segments = frame.Segments;
        if (segments.Count == 1)
        {
            await stream.WriteAsync(segments[0], cancellationToken).ConfigureAwait(false);
            return;
        }
        if (stream is NetworkStream network && TryGather(segments, out var pieces))
        {
            await SendAllAsync(network.Socket, pieces).ConfigureAwait(false);
            return;
        }
        for (var i = 0; i < segments.Count; i++)
        {
            if (!segments[i].IsEmpty) await stream.WriteAsync(segments[i], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The non-empty segments as array pieces; false when one of them is not an array's memory.</summary>
    private static bool TryGather(PooledBufferWriter.OutputSegments segments, out List<ArraySegment<byte>> pieces)
    {
        pieces = new List<ArraySegment<byte>>(segments.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.IsEmpty) continue;
            if (!MemoryMarshal.TryGetArray(segment, out var piece)) return false;
            pieces.Add(piece);
        }
        return true;
    }

    /// <summary>
    /// Sends every piece, at most <see cref="MaxPiecesPerSend"/> per call. On a stream socket a send completes only once
    /// the kernel has taken all its bytes (the runtime sends the rest of a partial write itself), or fails; closing the
    /// socket (the connection's cancellation) fails a pending one.
    /// </summary>
    private static async ValueTask SendAllAsync(Socket socket, List<ArraySegment<byte>> pieces)
    {
        for (var first = 0; first < pieces.Count; first += MaxPiecesPerSend)
        {
            var batch = first == 0 && pieces.Count <= MaxPiecesPerSend ? pieces : pieces.GetRange(first, Math.Min(MaxPiecesPerSend, pieces.Count - first));
            await socket.SendAsync(batch, SocketFlags.None).ConfigureAwait(false);
        }
    }
}
