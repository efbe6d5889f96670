using System.Net;
using System.Net.Sockets;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.EndToEnd;

public class EmbeddedKafkaClusterTests
{
    private static bool CanBind(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<MetadataResponse> MetadataAsync(int port)
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", port);
        return await RawRequests.RoundTripAsync<MetadataResponse>(socket, new MetadataRequest { Topics = null }, 12);
    }

    [Fact]
    public async Task Brokers_listen_on_IPv4_ports_of_their_own_and_advertise_them()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 3 });

        Assert.Equal([1, 2, 3], cluster.Brokers.Select(b => b.Id));
        Assert.Equal(3, cluster.Brokers.Select(b => b.Port).Distinct().Count());
        Assert.Equal(string.Join(',', cluster.Brokers.Select(b => $"127.0.0.1:{b.Port}")), cluster.BootstrapServers);
        var metadata = await MetadataAsync(cluster.Brokers[2].Port);
        Assert.Equal(cluster.ClusterId, metadata.ClusterId);
        Assert.Equal(cluster.Brokers.Select(b => (b.Id, b.Host, b.Port)), metadata.Brokers.Select(b => (b.NodeId, b.Host, b.Port)));
    }

    [Fact]
    public async Task A_first_port_numbers_the_brokers_ports_from_it()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { FirstPort = port });
        Assert.Equal(port, cluster.Brokers[0].Port);
    }

    [Fact]
    public async Task A_second_cluster_cannot_take_a_port_the_first_one_listens_on()
    {
        await using var first = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions());

        await Assert.ThrowsAsync<SocketException>(() => EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { FirstPort = first.Brokers[0].Port }));
    }

    [Fact]
    public async Task A_stopped_broker_frees_its_port_leaves_metadata_and_comes_back_on_the_same_port()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 2 });
        await cluster.CreateTopicAsync("t", partitions: 2, replicationFactor: 2);
        var port = cluster.Brokers[1].Port;

        await cluster.StopBrokerAsync(2);
        Assert.False(cluster.Brokers[1].IsAlive);
        Assert.True(CanBind(port));
        var during = await MetadataAsync(cluster.Brokers[0].Port);
        Assert.Equal([1], during.Brokers.Select(b => b.NodeId));
        Assert.All(during.Topics.Single().Partitions, p =>
        {
            Assert.Equal(1, p.LeaderId);
            Assert.Equal([2], p.OfflineReplicas);
        });

        await cluster.StartBrokerAsync(2);
        Assert.Equal(port, cluster.Brokers[1].Port);
        Assert.Equal([1, 2], (await MetadataAsync(port)).Brokers.Select(b => b.NodeId).Order());
    }

    [Fact]
    public async Task Disposing_closes_connections_and_frees_every_port()
    {
        var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Brokers = 2 });
        using var client = await RawKafkaSocket.ConnectAsync("127.0.0.1", cluster.Brokers[0].Port);

        await cluster.DisposeAsync();

        Assert.True(await client.IsClosedByBrokerAsync());
        Assert.All(cluster.Brokers, b => Assert.True(CanBind(b.Port)));
    }

    [Fact]
    public async Task Topic_operations_fail_as_Kafka_would()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync();
        await cluster.CreateTopicAsync("t");

        Assert.Equal(ErrorCode.TopicAlreadyExists, (await Assert.ThrowsAsync<EmbeddedKafkaException>(() => cluster.CreateTopicAsync("t"))).Error);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, (await Assert.ThrowsAsync<EmbeddedKafkaException>(() => cluster.CreateTopicAsync("u", replicationFactor: 2))).Error);
        await cluster.DeleteTopicAsync("t");
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, (await Assert.ThrowsAsync<EmbeddedKafkaException>(() => cluster.DeleteTopicAsync("t"))).Error);
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.StopBrokerAsync(7));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("::1")]
    public async Task The_host_must_be_an_IPv4_address(string host)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Host = host }));
    }
}
