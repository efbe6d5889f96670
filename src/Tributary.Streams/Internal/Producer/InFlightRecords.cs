using System.Runtime.InteropServices;

namespace Tributary.Streams.Internal;

/// <summary>
/// Counts the records a sink has sent and librdkafka has acknowledged, and wakes the sink when the difference
/// falls to a level it waits for. The sink's thread only writes <c>sent</c>, delivery threads only write
/// <c>acknowledged</c>, and the two live on separate cache lines: a single shared counter, changed by both
/// threads for every record, bounced its cache line between the cores once per record in each direction.
/// </summary>
internal sealed class InFlightRecords(Action wakeSink)
{
    private const long NotWaiting = -1;

    private readonly Action _wakeSink = wakeSink;
    private PaddedLong _sent;
    private PaddedLong _acknowledged;
    // The in-flight count at which a delivery wakes the sink, or NotWaiting.
    private PaddedLong _wakeAt = new() { Value = NotWaiting };
    // Sink thread: the acknowledgements last seen. They only grow, so this over-counts what is in flight and
    // a check against it is safe; it is read again only when it says the limit is reached.
    private long _acknowledgedSeen;

    /// <summary>Sink thread: a record was handed to the producer.</summary>
    public void Sent() => Volatile.Write(ref _sent.Value, _sent.Value + 1);

    /// <summary>Sink thread: the producer refused the record just counted as sent.</summary>
    public void Refused() => Volatile.Write(ref _sent.Value, _sent.Value - 1);

    /// <summary>Sink thread: records sent and not yet acknowledged (exact, reads the delivery side).</summary>
    public long Count => _sent.Value - (_acknowledgedSeen = Volatile.Read(ref _acknowledged.Value));

    /// <summary>Sink thread: whether fewer than <paramref name="limit"/> records are in flight.</summary>
    public bool Below(long limit) => _sent.Value - _acknowledgedSeen < limit || Count < limit;

    /// <summary>
    /// Sink thread: arranges one wake-up for when at most <paramref name="level"/> records are in flight. True: wait
    /// for it. False: that is already so, nothing was arranged, and the caller goes on at once.
    /// </summary>
    public bool WakeAtMost(long level)
    {
        Volatile.Write(ref _wakeAt.Value, level);
        // A delivery may have brought the count down before it could see the wake-up wanted: whoever clears the
        // wish first acts on it, the sink here or the delivery thread below.
        return Count > level || Interlocked.CompareExchange(ref _wakeAt.Value, NotWaiting, level) != level;
    }

    /// <summary>Delivery thread (any of them): one record was acknowledged or failed.</summary>
    public void Acknowledged()
    {
        var acked = Interlocked.Increment(ref _acknowledged.Value);
        var level = Volatile.Read(ref _wakeAt.Value);
        if (level != NotWaiting && Volatile.Read(ref _sent.Value) - acked <= level && Interlocked.CompareExchange(ref _wakeAt.Value, NotWaiting, level) == level)
            _wakeSink();
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        // In the middle of 128 bytes, so neighbours never share its 64-byte line (or the adjacent line prefetched with it).
        [FieldOffset(64)]
        public long Value;
    }
}
