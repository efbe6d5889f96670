using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tributary.Protocol;

namespace Tributary.Broker.Network;

/// <summary>
/// Writes a response frame to a connection's stream. To a plain socket, through the connection's
/// <see cref="SocketSender"/>: a frame held in one buffer is one send; a frame that refers to stored record batches in
/// place (<see cref="PooledBufferWriter.Segments"/>) one gathering send (sendmsg with the pieces as its vectors), so the
/// kernel copies the batches straight from the log's memory; and a frame that refers to more than
/// <see cref="StagedSendThreshold"/> of them goes out in steps of <see cref="StagingSize"/>, each copied into one reused
/// buffer and sent from there. To any other stream (TLS) its pieces are written one after the other.
/// </summary>
/// <remarks>
/// Why a large frame is staged: a read from the beginning of a topic (a new consumer, a replay, a follower catching up)
/// sends batches that have long left the caches, and the kernel's copy out of cold memory into the socket (<c>rep movsb</c>)
/// cost the 1-broker consume session more than a copy into a buffer that stays in the core's cache followed by the kernel's
/// copy out of it: broker CPU per consumed message 0.069 and 0.072 µs staged against 0.099 in the run between them, the mock
/// at 0.057-0.063 in all three (docs/benchmarks.md, issue 20, "Twenty-fourth round"). A smaller frame is the tail a
/// follower or a consumer at the end reads, written moments before and still in the caches, where one gathering send costs
/// less than copying it first.
/// </remarks>
internal static class FrameWriter
{
    /// <summary>
    /// Pieces per gathering send: Linux refuses more than 1,024 vectors in one call (IOV_MAX). A frame of more pieces
    /// (hundreds of partitions each with a large record set) takes several sends.
    /// </summary>
    private const int MaxPiecesPerSend = 512;

    /// <summary>The size above which a frame goes out in staged steps rather than in one gathering send (see the remarks).</summary>
    internal const int StagedSendThreshold = 1024 * 1024;

    /// <summary>
    /// One staged step: small enough to stay in a core's level-2 cache (512 KB to 1 MB on this machine's generations of
    /// processor) while the kernel copies it into the socket, large enough that a multi-megabyte fetch takes a few dozen sends.
    /// </summary>
    internal const int StagingSize = 256 * 1024;

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
    /// Sends every piece, at most <see cref="MaxPiecesPerSend"/> per call, or staged when they come to more than
    /// <see cref="StagedSendThreshold"/>; false when the client has gone. Closing the socket (the connection's cancellation)
    /// fails a pending send.
    /// </summary>
    private static async ValueTask<bool> SendAllAsync(Socket socket, List<ArraySegment<byte>> pieces, SocketSender sender)
    {
        long total = 0;
        foreach (var piece in pieces) total += piece.Count;
        if (total > StagedSendThreshold) return await SendStagedAsync(socket, pieces, sender).ConfigureAwait(false);
        for (var first = 0; first < pieces.Count; first += MaxPiecesPerSend)
        {
            var batch = first == 0 && pieces.Count <= MaxPiecesPerSend ? pieces : pieces.GetRange(first, Math.Min(MaxPiecesPerSend, pieces.Count - first));
            if (!await sender.SendAsync(socket, batch).ConfigureAwait(false)) return false;
        }
        return true;
    }

    /// <summary>
    /// Copies the pieces in order into one pooled buffer of <see cref="StagingSize"/> bytes and sends it each time it is full,
    /// and what is left at the end; false when the client has gone. The pool hands the same buffer back to the next large
    /// frame on this thread, so it is still in the cache.
    /// </summary>
    private static async ValueTask<bool> SendStagedAsync(Socket socket, List<ArraySegment<byte>> pieces, SocketSender sender)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(StagingSize);
        try
        {
            var filled = 0;
            foreach (var piece in pieces)
            {
                for (var copied = 0; copied < piece.Count;)
                {
                    var length = Math.Min(piece.Count - copied, buffer.Length - filled);
                    piece.AsSpan(copied, length).CopyTo(buffer.AsSpan(filled));
                    (copied, filled) = (copied + length, filled + length);
                    if (filled < buffer.Length) continue;
                    if (!await sender.SendAsync(socket, buffer).ConfigureAwait(false)) return false;
                    filled = 0;
                }
            }
            return filled == 0 || await sender.SendAsync(socket, buffer.AsMemory(0, filled)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
