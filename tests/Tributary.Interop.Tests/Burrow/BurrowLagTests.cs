using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Confluent.Kafka;
using Tributary.Broker;

namespace Tributary.Interop.Tests.Burrow;

/// <summary>
/// LinkedIn's Burrow (Debian's <c>burrow</c> package, sarama as its Kafka client, kafka-version 2.0.0) computes
/// consumer lag from what it reads itself: the committed offsets in <c>__consumer_offsets</c> (Kafka's
/// OffsetCommitKey/OffsetCommitValue records) and the partitions' end offsets (ListOffsets). Its HTTP API must report
/// the lag the group really has.
/// </summary>
public sealed class BurrowLagTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Burrow_reports_a_groups_lag_from_the_committed_offsets_it_reads_in_the_offsets_topic()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });
        await cluster.CreateTopicAsync("burrowed", partitions: 2, replicationFactor: 3);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++) await producer.ProduceAsync(new TopicPartition("burrowed", 0), new Message<Null, string> { Value = $"a{i}" });
            for (var i = 0; i < 5; i++) await producer.ProduceAsync(new TopicPartition("burrowed", 1), new Message<Null, string> { Value = $"b{i}" });
        }
        using (var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "lagging" }).Build())
        {
            consumer.Commit([new TopicPartitionOffset("burrowed", 0, 4), new TopicPartitionOffset("burrowed", 1, 5)]);
        }
        await using var zooKeeper = new ZooKeeperStub();
        var directory = Directory.CreateTempSubdirectory("tributary-burrow-");
        var httpPort = FreePort();
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "burrow.toml"), Config(directory.FullName, zooKeeper.Address, cluster.BootstrapServers, httpPort));
        using var burrow = Process.Start(new ProcessStartInfo("/usr/bin/Burrow", ["--config-dir", directory.FullName])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = burrow.StandardOutput.ReadToEndAsync();
        var errors = burrow.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            var lag = await EventuallyAsync(async () =>
            {
                var status = await GetAsync(http, "/v3/kafka/tributary/consumer/lagging/lag");
                return status is { } s && s.TryGetProperty("status", out var group) && group.GetProperty("partitions").GetArrayLength() == 2
                    && group.GetProperty("totallag").GetInt64() == 6 ? group : (JsonElement?)null;
            });

            // Partition 0: 10 records, 4 committed; partition 1: 5 records, all committed.
            var partitions = lag.GetProperty("partitions").EnumerateArray()
                .ToDictionary(p => p.GetProperty("partition").GetInt32(), p => (Lag: p.GetProperty("current_lag").GetInt64(), Committed: p.GetProperty("end").GetProperty("offset").GetInt64()));
            Assert.Equal((6L, 4L), partitions[0]);
            Assert.Equal((0L, 5L), partitions[1]);
            var consumers = await GetAsync(http, "/v3/kafka/tributary/consumer");
            Assert.Contains("lagging", consumers!.Value.GetProperty("consumers").EnumerateArray().Select(c => c.GetString()));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            burrow.Kill();
            throw new Xunit.Sdk.XunitException($"{e.Message}\nBurrow's log:\n{await ReadLogAsync(directory.FullName)}\nstdout:\n{await output}\nstderr:\n{await errors}");
        }
        finally
        {
            if (!burrow.HasExited) burrow.Kill();
            await burrow.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }

    private static string Config(string directory, string zooKeeper, string bootstrap, int httpPort)
    {
        var servers = string.Join(", ", bootstrap.Split(',').Select(s => $"\"{s}\""));
        return $"""
            [general]
            pidfile="{directory}/burrow.pid"

            [logging]
            filename="{directory}/burrow.log"
            level="info"

            [zookeeper]
            servers=["{zooKeeper}"]
            timeout=6
            root-path="/burrow"

            [client-profile.tributary]
            client-id="burrow"
            kafka-version="2.0.0"

            [cluster.tributary]
            class-name="kafka"
            servers=[{servers}]
            client-profile="tributary"
            topic-refresh=2
            offset-refresh=1

            [consumer.tributary]
            class-name="kafka"
            cluster="tributary"
            servers=[{servers}]
            client-profile="tributary"
            offsets-topic="__consumer_offsets"
            start-latest=false

            [httpserver.default]
            address="127.0.0.1:{httpPort}"

            [storage.default]
            class-name="inmemory"
            workers=2
            intervals=10
            expire-group=604800
            min-distance=1
            """;
    }

    private static async Task<JsonElement?> GetAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            if (!response.IsSuccessStatusCode) return null;
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    private static async Task<JsonElement> EventuallyAsync(Func<Task<JsonElement?>> attempt)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await attempt() is { } result) return result;
            await Task.Delay(250);
        }
        throw new TimeoutException($"Burrow did not report the expected lag within {Patience}.");
    }

    private static async Task<string> ReadLogAsync(string directory)
    {
        var log = Path.Combine(directory, "burrow.log");
        return File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
