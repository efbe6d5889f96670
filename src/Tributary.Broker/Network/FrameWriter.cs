using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tributary.Protocol;

namespace Tributary.Broker.Network;

/// <summary>
/// Writes a response frame to a connection's stream. To a plain socket, through the connection's
/// <see cref="SocketSender"/>: a frame held in one buffer is one send, and a frame that refers to stored record batches in
/// place (<see cref="PooledBufferWriter.Segments"/>) one gathering send (sendmsg with the pieces as its vectors), so the
/// kernel copies the batches straight from the log's memory. To any other stream (TLS) its pieces are written one after
/// the other.
/// </summary>
internal static class FrameWriter
{
    /// <summary>
    /// Pieces per gathering send: Linux refuses more than 1,024 vectors in one call (IOV_MAX). A frame of more pieces
    /// (hundreds of partitions each with a large record set) takes several sends.
    /// </summary>
    private const int MaxPiecesPerSend = 512;

    /// <summary>
    /// Writes <paramref name="frame"/> to <paramref name="stream"/>: true once all of it is sent; false when a plain
    /// socket's client has gone (no exception for that); an exception for a failure of any other stream.
    /// </summary>
    public static async ValueTask<bool> WriteAsync(Stream stream, PooledBufferWriter frame, SocketSender sender, CancellationToken cancellationToken)
    {
        var segments = frame.Segments;
        if (stream is NetworkStream network)
        {
            if (segments.Count == 1) return await sender.SendAsync(network.Socket, segments[0]).ConfigureAwait(false);
            if (TryGather(segments, out var pieces)) return await SendAllAsync(network.Socket, pieces, sender).ConfigureAwait(false);
        }
        for (var i = 0; i < segments.Count; i++)
        {
            if (!segments[i].IsEmpty) await stream.WriteAsync(segments[i], cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Writes <paramref name="frames"/> one after the other: to a plain socket all in one gathering send (the answers to
    /// requests a client sent together, so that they cost one system call, and the client one wake-up); to any other
    /// stream (TLS) each as <see cref="WriteAsync(Stream, PooledBufferWriter, SocketSender, CancellationToken)"/> writes it.
    /// </summary>
    public static async ValueTask<bool> WriteAsync(Stream stream, IReadOnlyList<PooledBufferWriter> frames, SocketSender sender, CancellationToken cancellationToken)
    {
        if (stream is NetworkStream network)
        {
            var pieces = new List<ArraySegment<byte>>();
            var gathered = true;
            for (var i = 0; i < frames.Count && gathered; i++) gathered = TryAddPieces(frames[i].Segments, pieces);
            if (gathered) return await SendAllAsync(network.Socket, pieces, sender).ConfigureAwait(false);
        }
        foreach (var frame in frames)
        {
            if (!await WriteAsync(stream, frame, sender, cancellationToken).ConfigureAwait(false)) return false;
        }
        return true;
    }

    /// <summary>The non-empty segments as array pieces; false when one of them is not an array's memory.</summary>
    private static bool TryGather(PooledBufferWriter.OutputSegments segments, out List<ArraySegment<byte>> pieces)
    {
        pieces = new List<ArraySegment<byte>>(segments.Count);
        return TryAddPieces(segments, pieces);
    }

    /// <summary>Adds the non-empty segments to <paramref name="pieces"/>; false when one of them is not an array's memory.</summary>
    private static bool TryAddPieces(PooledBufferWriter.OutputSegments segments, List<ArraySegment<byte>> pieces)
    {
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
    /// Sends every piece, at most <see cref="MaxPiecesPerSend"/> per call; false when the client has gone. Closing the
    /// socket (the connection's cancellation) fails a pending send.
    /// </summary>
    private static async ValueTask<bool> SendAllAsync(Socket socket, List<ArraySegment<byte>> pieces, SocketSender sender)
    {
        for (var first = 0; first < pieces.Count; first += MaxPiecesPerSend)
        {
            var batch = first == 0 && pieces.Count <= MaxPiecesPerSend ? pieces : pieces.GetRange(first, Math.Min(MaxPiecesPerSend, pieces.Count - first));
            if (!await sender.SendAsync(socket, batch).ConfigureAwait(false)) return false;
        }
        return true;
    }
}
