using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Tributary.Broker.Metrics;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// Counts the requests the embedded brokers of this process answered, per API, from the broker's own
/// <see cref="BrokerMetrics.RequestsInstrument"/> counter. It tells a scenario's requests
/// whose cost does not grow with the messages (connections, Metadata, ListOffsets, group APIs) from those that carry
/// them (Fetch, Produce). Listening turns the broker's request metric on, a little more work per request, so it is
/// only on when asked for (<c>--request-counts true</c>). The mock has no such counter.
/// </summary>
internal sealed class RequestCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _byApi = new();

    public RequestCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && instrument.Name == BrokerMetrics.RequestsInstrument) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>Forgets what was counted so far.</summary>
    public void Reset() => _byApi.Clear();

    /// <summary>E.g. "Fetch 412, Metadata 6, ApiVersions 4", most first; empty when nothing was counted.</summary>
    public string Summary() => string.Join(", ", _byApi.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value}"));

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (var tag in tags)
        {
            if (tag.Key != BrokerMetrics.RequestTag) continue;
            _byApi.AddOrUpdate(tag.Value as string ?? "?", value, (_, total) => total + value);
            return;
        }
    }

    public void Dispose() => _listener.Dispose();
}
