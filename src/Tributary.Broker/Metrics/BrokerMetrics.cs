using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tributary.Broker.Cluster;
using Tributary.Broker.Groups;
using Tributary.Broker.Log;
using Tributary.Broker.Transactions;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Metrics;

/// <summary>
/// The <see cref="Meter"/> <c>Tributary.Broker</c>: the broker metrics Kafka exposes over JMX, each named after its
/// MBean (lower case, dotted) so that its Prometheus name is the one the JMX exporter gives and Kafka dashboards use
/// (<c>kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec</c> is
/// <c>kafka.server.brokertopicmetrics.messagesin</c>, in Prometheus <c>kafka_server_brokertopicmetrics_messagesin_total</c>).
/// All the brokers of every cluster in the process share the meter: measurements carry <c>cluster</c> (the cluster
/// id) and, where Kafka's are per broker, <c>broker</c>.
/// </summary>
/// <remarks>
/// Counters are counted on the request path only when a listener enabled them (one read of <c>Enabled</c>
/// otherwise); gauges are read from the clusters' state when a listener collects them.
/// </remarks>
internal static class BrokerMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Tributary.Broker";

    /// <summary>The counter of requests handled, tagged with the API's name under <see cref="RequestTag"/>.</summary>
    public const string RequestsInstrument = "kafka.network.requestmetrics.requests";

    /// <summary>The tag naming a request's API.</summary>
    public const string RequestTag = "request";

    private static readonly Meter Meter = new(MeterName, typeof(BrokerMetrics).Assembly.GetName().Version?.ToString());

    private static readonly ConcurrentDictionary<ClusterController, (GroupCoordinator Groups, TransactionCoordinator Transactions)> Clusters = new();

    private static readonly Counter<long> MessagesIn = Meter.CreateCounter<long>("kafka.server.brokertopicmetrics.messagesin", null,
        "Messages appended by partition leaders (MessagesInPerSec), per topic.");

    private static readonly Counter<long> BytesIn = Meter.CreateCounter<long>("kafka.server.brokertopicmetrics.bytesin", null,
        "Record bytes produced to partition leaders (BytesInPerSec), per topic.");

    private static readonly Counter<long> BytesOut = Meter.CreateCounter<long>("kafka.server.brokertopicmetrics.bytesout", null,
        "Record bytes returned to fetching clients (BytesOutPerSec), per topic.");

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(RequestsInstrument, null,
        "Requests handled (RequestsPerSec), per API (request).");

    private static readonly Histogram<double> RequestTime = Meter.CreateHistogram("kafka.network.requestmetrics.totaltimems", null,
        "Time from a request's decoding to its response, in milliseconds (TotalTimeMs), per API (request).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] });

    private static readonly Counter<long> IsrShrinks = Meter.CreateCounter<long>("kafka.server.replicamanager.isrshrinks", null,
        "Times a partition's in-sync replica set shrank (IsrShrinksPerSec), per leader.");

    private static readonly Counter<long> IsrExpands = Meter.CreateCounter<long>("kafka.server.replicamanager.isrexpands", null,
        "Times a partition's in-sync replica set grew (IsrExpandsPerSec), per leader.");

    static BrokerMetrics()
    {
        Meter.CreateObservableGauge("kafka.server.replicamanager.underreplicatedpartitions", () => Observe(UnderReplicated), null,
            "Partitions a broker leads with fewer in-sync replicas than replicas (UnderReplicatedPartitions).");
        Meter.CreateObservableGauge("kafka.controller.kafkacontroller.offlinepartitionscount", () => Observe(Offline), null,
            "Partitions without a leader (OfflinePartitionsCount).");
        Meter.CreateObservableGauge("kafka.log.log.size", () => Observe(LogSizes), null,
            "Bytes in a replica's log (kafka.log:type=Log,name=Size), per topic, partition and broker.");
        Meter.CreateObservableGauge("kafka.coordinator.group.groupmetadatamanager.numgroups", () => Observe(GroupCount), null,
            "Consumer groups the coordinator knows (NumGroups).");
        Meter.CreateObservableGauge("tributary.broker.group.members", () => Observe(GroupMembers), null,
            "Members of the consumer groups, as DescribeGroups lists them.");
        Meter.CreateObservableGauge("tributary.broker.transactions.open", () => Observe(OpenTransactions), null,
            "Transactions begun and not yet completed (Ongoing, PrepareCommit or PrepareAbort).");
    }

    /// <summary>Observes a started cluster's gauges until the returned handle is disposed.</summary>
    public static IDisposable Track(ClusterController cluster, GroupCoordinator groups, TransactionCoordinator transactions)
    {
        Clusters[cluster] = (groups, transactions);
        return new Untrack(cluster);
    }

    /// <summary>A request was answered (or dropped unanswered) after <paramref name="startTimestamp"/>.</summary>
    public static void RequestHandled(ClusterController cluster, int brokerId, ApiKey api, long startTimestamp)
    {
        if (!Requests.Enabled && !RequestTime.Enabled)
            return;
        var tags = new TagList { { "cluster", cluster.ClusterId }, { "broker", brokerId }, { RequestTag, api.ToString() } };
        Requests.Add(1, tags);
        RequestTime.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, tags);
    }

    /// <summary>A leader appended one produce request's records of a partition.</summary>
    public static void Appended(ClusterController cluster, int brokerId, string topic, in AppendResult appended, int bytes)
    {
        if (!MessagesIn.Enabled && !BytesIn.Enabled)
            return;
        if (appended.Error != Protocol.ErrorCode.None || appended.LastOffset < appended.BaseOffset)
            return;
        var tags = new TagList { { "cluster", cluster.ClusterId }, { "broker", brokerId }, { "topic", topic } };
        MessagesIn.Add(appended.LastOffset - appended.BaseOffset + 1, tags);
        BytesIn.Add(bytes, tags);
    }

    /// <summary>A fetch response carries <paramref name="bytes"/> of a topic's records.</summary>
    public static void Fetched(ClusterController cluster, int brokerId, string topic, int bytes)
    {
        if (bytes > 0 && BytesOut.Enabled)
            BytesOut.Add(bytes, new TagList { { "cluster", cluster.ClusterId }, { "broker", brokerId }, { "topic", topic } });
    }

    /// <summary>A partition's in-sync replica set went from <paramref name="before"/> to <paramref name="after"/> members under the same leader.</summary>
    public static void IsrChanged(string clusterId, int leader, int before, int after)
    {
        if (after == before)
            return;
        var counter = after < before ? IsrShrinks : IsrExpands;
        if (counter.Enabled)
            counter.Add(1, new TagList { { "cluster", clusterId }, { "broker", leader } });
    }

    private static IEnumerable<Measurement<long>> Observe(Action<ClusterController, (GroupCoordinator Groups, TransactionCoordinator Transactions), List<Measurement<long>>> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (cluster, coordinators) in Clusters)
        {
            try
            {
                read(cluster, coordinators, measurements);
            }
            catch (ObjectDisposedException)
            {
                // The cluster stopped while it was read: it is untracked right after.
            }
        }
        return measurements;
    }

    private static void UnderReplicated(ClusterController cluster, (GroupCoordinator, TransactionCoordinator) _, List<Measurement<long>> measurements)
    {
        var led = cluster.Topics.SelectMany(t => t.Partitions).Select(p => p.Leadership).Where(l => l.Leader >= 0).ToList();
        foreach (var broker in cluster.Brokers)
            measurements.Add(new(led.Count(l => l.Leader == broker.Id && l.Isr.Count < l.Replicas.Count), Cluster(cluster), new("broker", broker.Id)));
    }

    private static void Offline(ClusterController cluster, (GroupCoordinator, TransactionCoordinator) _, List<Measurement<long>> measurements) =>
        measurements.Add(new(cluster.Topics.SelectMany(t => t.Partitions).Count(p => p.Leadership.Leader < 0), Cluster(cluster)));

    private static void LogSizes(ClusterController cluster, (GroupCoordinator, TransactionCoordinator) _, List<Measurement<long>> measurements)
    {
        foreach (var partition in cluster.Topics.SelectMany(t => t.Partitions))
            foreach (var broker in partition.Leadership.Replicas)
                measurements.Add(new(partition.ReplicaLog(broker).SizeInBytes,
                    Cluster(cluster), new("broker", broker), new("topic", partition.Topic), new("partition", partition.Index)));
    }

    private static void GroupCount(ClusterController cluster, (GroupCoordinator Groups, TransactionCoordinator) coordinators, List<Measurement<long>> measurements) =>
        measurements.Add(new(coordinators.Groups.ListGroups().Count, Cluster(cluster)));

    private static void GroupMembers(ClusterController cluster, (GroupCoordinator Groups, TransactionCoordinator) coordinators, List<Measurement<long>> measurements)
    {
        var groups = coordinators.Groups.ListGroups().Select(g => g.GroupId).ToList();
        measurements.Add(new(coordinators.Groups.DescribeGroups(groups).Sum(g => g.Members.Count), Cluster(cluster)));
    }

    private static void OpenTransactions(ClusterController cluster, (GroupCoordinator, TransactionCoordinator Transactions) coordinators, List<Measurement<long>> measurements) =>
        measurements.Add(new(coordinators.Transactions.List([TransactionState.Ongoing, TransactionState.PrepareCommit, TransactionState.PrepareAbort], [], TimeSpan.FromTicks(-1)).Count,
            Cluster(cluster)));

    private static KeyValuePair<string, object?> Cluster(ClusterController cluster) => new("cluster", cluster.ClusterId);

    private sealed class Untrack(ClusterController cluster) : IDisposable
    {
        public void Dispose() => Clusters.TryRemove(cluster, out _);
    }
}
