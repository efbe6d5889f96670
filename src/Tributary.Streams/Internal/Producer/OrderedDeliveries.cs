namespace Tributary.Streams.Internal;

/// <summary>
/// The envelopes a producer stage has in flight, handed back in the order they were sent. The stage is woken
/// only when the oldest delivery completes, so deliveries completing in order cost one wake-up per run of them,
/// not one per record. Used from the stage's own thread only, except for the wake-up callback, which must be an
/// Akka async callback.
/// </summary>
internal sealed class OrderedDeliveries<TKey, TValue, TPassThrough>(Action wakeStage)
{
    private readonly Queue<EnvelopeDelivery<TKey, TValue, TPassThrough>> _inFlight = new();
    private bool _waitingOnHead;

    /// <summary>Deliveries sent and not yet handed back.</summary>
    public int Count => _inFlight.Count;

    /// <summary>Adds a delivery behind every earlier one.</summary>
    public void Add(EnvelopeDelivery<TKey, TValue, TPassThrough> delivery) => _inFlight.Enqueue(delivery);

    /// <summary>Takes the oldest delivery if it has completed (successfully or not).</summary>
    public bool TryTakeCompleted(out EnvelopeDelivery<TKey, TValue, TPassThrough> delivery)
    {
        if (_inFlight.Count > 0 && _inFlight.Peek().IsCompleted)
        {
            delivery = _inFlight.Dequeue();
            return true;
        }
        delivery = null!;
        return false;
    }

    /// <summary>
    /// Arranges one wake-up for when the oldest delivery completes, unless one is already arranged. If it has
    /// completed already (the delivery thread may finish it just after the stage looked), the wake-up comes at
    /// once. Call it only while the stage can hand a delivery on (its outlet is available): otherwise a completed
    /// head would wake the stage again and again; the outlet's next pull takes it instead.
    /// </summary>
    public void WakeWhenOldestCompletes()
    {
        if (_inFlight.Count == 0 || _waitingOnHead)
            return;
        _waitingOnHead = true;
        _inFlight.Peek().OnCompleted(wakeStage);
    }

    /// <summary>Called by the stage when the wake-up arrives, so the next one can be arranged.</summary>
    public void Woken() => _waitingOnHead = false;
}
