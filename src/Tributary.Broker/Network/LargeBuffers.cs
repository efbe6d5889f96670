using System.Buffers;

namespace Tributary.Broker.Network;

/// <summary>
/// The pool of the broker's large buffers: connections' read buffers grown for request frames larger than the default one
/// (produce requests) and responses of more than 64 KB (fetches whose records are copied into the response: on a TLS listener, or
/// many record sets each below <see cref="Handlers.RequestDispatcher.ReferencedRecordsMinimum"/>; larger ones are sent
/// from the log's memory without a copy). <see cref="ArrayPool{T}.Shared"/> keeps a returned array in the
/// returning thread's own slot first, and a connection rents on one thread-pool thread and returns on another, so the
/// next large rent often found none and allocated a new array, up to 16 MB for one broker's fetch response: memory no
/// one had written, whose pages the kernel then faulted in while the response was copied into it (on the benchmark
/// machine, 30 to 100 times the cost of the copy itself). This pool is shared by all threads, so a few arrays, written
/// once, serve every connection. It is bounded: at most <see cref="ArraysPerSize"/> arrays of each power-of-two size up
/// to <see cref="MaxPooledLength"/> stay pooled (about 64 MB at most, held only after such requests came); larger
/// buffers are plain arrays, left to the collector.
/// </summary>
internal static class LargeBuffers
{
    /// <summary>Responses from this size on are encoded into this pool's buffers.</summary>
    public const int ResponseThreshold = 64 * 1024;

    private const int MaxPooledLength = 16 * 1024 * 1024;
    private const int ArraysPerSize = 2;

    /// <summary>The pool: one for the whole process, as every broker in it shares the same threads.</summary>
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(MaxPooledLength, ArraysPerSize);

    /// <summary>The pool for a response expected to take <paramref name="size"/> bytes.</summary>
    public static ArrayPool<byte> ForResponse(int size) => size >= ResponseThreshold ? Pool : ArrayPool<byte>.Shared;
}
