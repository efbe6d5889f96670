using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Tributary.Cli.Tests;

/// <summary><c>tributary broker --metrics-port</c> serves the broker metrics, named as Kafka dashboards know them, in Prometheus text.</summary>
public sealed partial class BrokerMetricsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_metrics_endpoint_serves_Kafka_named_broker_metrics_that_count_a_known_workload()
    {
        var metricsPort = FreePort();
        using var broker = CliRunner.Start(null, "broker", "--brokers", "2", "--port", "0", "--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture));
        _ = broker.StandardError.ReadToEndAsync();
        try
        {
            var bootstrap = await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience);
            Assert.NotNull(bootstrap);
            const string topic = "metered";
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
                await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = 2 }]);
            using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All }).Build())
                for (var i = 0; i < 5; i++)
                    await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"value {i}" });
            using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
                   {
                       BootstrapServers = bootstrap, GroupId = "metered-readers", AutoOffsetReset = AutoOffsetReset.Earliest,
                   }).Build())
            {
                consumer.Subscribe(topic);
                var read = 0;
                var deadline = DateTime.UtcNow + Patience;
                while (read < 5 && DateTime.UtcNow < deadline)
                    if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not null)
                        read++;
                Assert.Equal(5, read);
                consumer.Commit();

                using var http = new HttpClient();
                var samples = await EventuallyAsync(http, metricsPort, s =>
                    Sum(s, "kafka_server_brokertopicmetrics_messagesin_total", ("topic", topic)) == 5
                    && Sum(s, "kafka_server_brokertopicmetrics_bytesout_total", ("topic", topic)) > 0
                    && Sum(s, "kafka_coordinator_group_groupmetadatamanager_numgroups") >= 1);

                Assert.True(Sum(samples, "kafka_server_brokertopicmetrics_bytesin_total", ("topic", topic)) > 5 * "value 0".Length);
                Assert.True(Sum(samples, "kafka_network_requestmetrics_requests_total", ("request", "Produce")) >= 5);
                Assert.True(Sum(samples, "kafka_network_requestmetrics_totaltimems_count", ("request", "Fetch")) >= 1);
                Assert.Equal(0, Sum(samples, "kafka_server_replicamanager_underreplicatedpartitions"));
                Assert.Equal(2, samples.Count(s => s.Name == "kafka_server_replicamanager_underreplicatedpartitions")); // one per broker
                Assert.Equal(0, Sum(samples, "kafka_controller_kafkacontroller_offlinepartitionscount"));
                // Two partitions, two replicas each, every replica holding some of the five records.
                Assert.Equal(4, samples.Count(s => s.Name == "kafka_log_log_size" && s.Labels["topic"] == topic));
                Assert.True(Sum(samples, "kafka_log_log_size", ("topic", topic)) >= Sum(samples, "kafka_server_brokertopicmetrics_bytesin_total", ("topic", topic)));
                Assert.Equal(1, Sum(samples, "tributary_broker_group_members"));
                Assert.Equal(0, Sum(samples, "tributary_broker_transactions_open"));
            }
        }
        finally
        {
            CliRunner.Terminate(broker);
            await broker.WaitForExitAsync().WaitAsync(Patience);
        }
        Assert.Equal(0, broker.ExitCode);
    }

    [Fact]
    public async Task A_metrics_port_out_of_range_is_refused_in_one_line()
    {
        var result = await CliRunner.RunAsync(null, null, "broker", "--port", "0", "--metrics-port", "70000");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("bad --metrics-port 70000", result.Stderr);
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    private static double Sum(IEnumerable<Sample> samples, string name, params (string Label, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Sum(s => s.Value);

    private static async Task<List<Sample>> EventuallyAsync(HttpClient http, int port, Func<List<Sample>, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            var samples = Parse(text);
            if (condition(samples))
                return samples;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"The metrics never showed the workload; the last scrape:\n{text}");
            await Task.Delay(200);
        }
    }

    private static List<Sample> Parse(string text) =>
        text.Split('\n').Select(line => SampleLine().Match(line)).Where(m => m.Success)
            .Select(m => new Sample(m.Groups["name"].Value,
                LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value),
                double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))
            .ToList();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();
}
