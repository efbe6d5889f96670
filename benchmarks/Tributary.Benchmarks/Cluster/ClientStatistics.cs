using System.Globalization;
using System.Text.Json;

namespace Tributary.Benchmarks.Cluster;

/// <summary>
/// Keeps librdkafka's statistics (statistics.interval.ms) for a one-line summary of the wire traffic: how many
/// requests, how big, and their round trips. It explains a throughput number: for instance few, large requests
/// with long round trips point at the server's handling of large frames.
/// </summary>
internal sealed class ClientStatistics
{
    /// <summary>The statistics interval to configure on the client.</summary>
    public const int IntervalMs = 1000;

    private readonly List<double> _roundTripsMs = new();
    private long _requests;
    private long _sentBytes;
    private long _receivedBytes;

    /// <summary>Handler for SetStatisticsHandler: reads one statistics document.</summary>
    public void OnStatistics(string json)
    {
        using var document = JsonDocument.Parse(json);
        long requests = 0, sent = 0, received = 0;
        var roundTripsMs = new List<double>();
        foreach (var broker in document.RootElement.GetProperty("brokers").EnumerateObject())
        {
            var values = broker.Value;
            if (values.GetProperty("nodeid").GetInt32() < 0) continue; // the bootstrap connection
            requests += values.GetProperty("tx").GetInt64();
            sent += values.GetProperty("txbytes").GetInt64();
            received += values.GetProperty("rxbytes").GetInt64();
            var roundTrip = values.GetProperty("rtt");
            if (roundTrip.GetProperty("cnt").GetInt64() > 0) roundTripsMs.Add(roundTrip.GetProperty("avg").GetInt64() / 1000.0);
        }
        lock (_roundTripsMs)
        {
            (_requests, _sentBytes, _receivedBytes) = (requests, sent, received);
            _roundTripsMs.AddRange(roundTripsMs);
        }
    }

    /// <summary>E.g. "312 requests to the brokers, 190.2 KB sent and 0.1 KB received per request, round trip 3.1 ms (median of per-second averages)".</summary>
    public string Summary()
    {
        lock (_roundTripsMs)
        {
            if (_requests == 0) return "no statistics yet";
            var sorted = _roundTripsMs.Order().ToList();
            var median = sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
            return string.Create(CultureInfo.InvariantCulture,
                $"{_requests} requests to the brokers, {_sentBytes / 1024.0 / _requests:0.0} KB sent and {_receivedBytes / 1024.0 / _requests:0.0} KB received per request, round trip {median:0.0} ms (median of per-second averages)");
        }
    }
}
