using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// Samples this process's allocations by type, from the runtime's GC AllocationTick events (one event about
/// every 100 KB allocated, naming the type whose allocation crossed the mark). Cheap enough to leave on during
/// a scenario; the result shows which types the broker allocates most, without a profiler.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const string AllocationTickEvent = "GCAllocationTick_V4";

    private readonly ConcurrentDictionary<string, long> _bytesByType = new();

    /// <summary>Forgets what was sampled so far.</summary>
    public void Reset() => _bytesByType.Clear();

    /// <summary>The types with the most sampled bytes, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> Top(int count) =>
        _bytesByType.OrderByDescending(t => t.Value).Take(count).Select(t => (t.Key, t.Value)).ToList();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource) EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != AllocationTickEvent || eventData.Payload is null) return;
        var type = eventData.Payload[eventData.PayloadNames!.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[eventData.PayloadNames.IndexOf("AllocationAmount64")]);
        _bytesByType.AddOrUpdate(type, amount, (_, total) => total + amount);
    }
}
