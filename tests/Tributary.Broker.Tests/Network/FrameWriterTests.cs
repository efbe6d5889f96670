using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Tributary.Broker.Handlers;
using Tributary.Broker.Log;
using Tributary.Broker.Network;
using Tributary.Broker.Tests.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.Network;

/// <summary>
/// Response frames that refer to stored record batches in place reach the client as the bytes they stand for: through a
/// gathering socket send, piece by piece to other streams, and paced under a bandwidth cap. A large fetch refers to the
/// log's own memory and holds it until the frame is sent.
/// </summary>
public class FrameWriterTests
{
    [Fact]
    public async Task A_frame_referring_to_megabytes_of_record_sets_reaches_the_socket_as_the_bytes_it_stands_for()
    {
        using var frame = Frame(referenceThreshold: 64 * 1024, 10, 1_048_576, 40, 65_536, 3, 2_500_000, 7);

        Assert.Equal(7, frame.Segments.Count);
        Assert.Equal(frame.ToArray(), await SendOverSocketAsync(frame));
    }

    [Fact]
    public async Task A_frame_of_more_pieces_than_one_gathering_send_takes_arrives_whole()
    {
        var sizes = Enumerable.Range(0, 1_500).Select(i => 1 + i % 5).ToArray();
        using var frame = Frame(referenceThreshold: 1, sizes);

        Assert.Equal(sizes.Length + 1, frame.Segments.Count); // 750 referenced ranges between 750 buffer slices, and an empty last slice
        Assert.Equal(frame.ToArray(), await SendOverSocketAsync(frame));
    }

    [Fact]
    public async Task A_frame_written_to_a_stream_that_is_not_a_socket_arrives_piece_by_piece_in_order()
    {
        using var frame = Frame(referenceThreshold: 100, 5, 100, 0, 250, 9);
        using var stream = new MemoryStream();

        await FrameWriter.WriteAsync(stream, frame, new SocketSender(), CancellationToken.None);

        Assert.Equal(frame.ToArray(), stream.ToArray());
    }

    [Fact]
    public async Task A_frame_paced_under_a_bandwidth_cap_arrives_whole()
    {
        using var frame = Frame(referenceThreshold: 1_000, 10, 30_000, 20, 5_000, 3);
        using var stream = new MemoryStream();
        var link = new BrokerLink(1) { BytesPerSecond = 2_000_000 };

        await link.SendAsync(stream, frame, new SocketSender(), CancellationToken.None);

        Assert.Equal(frame.ToArray(), stream.ToArray());
    }

    [Theory]
    [InlineData(true)] // referred record sets: one gathering send
    [InlineData(false)] // one buffer: one send
    public async Task A_frame_sent_to_a_client_that_has_gone_says_so_without_an_exception(bool gathering)
    {
        using var frame = gathering ? Frame(referenceThreshold: 64 * 1024, 10, 1_048_576, 40) : Frame(referenceThreshold: int.MaxValue, 10, 500);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptSocketAsync();
        using var sender = new SocketSender();
        await using var stream = new NetworkStream(server, ownsSocket: false);
        // Gone as librdkafka goes while a fetch waits at the broker: closed with a reset.
        client.Client.LingerState = new LingerOption(true, 0);
        client.Close();

        // A send before the reset has arrived goes into the kernel's buffer and succeeds; one after it fails.
        var sent = true;
        for (var attempt = 0; attempt < 100 && sent; attempt++)
        {
            if (attempt > 0) await Task.Delay(10);
            sent = await FrameWriter.WriteAsync(stream, frame, sender, CancellationToken.None);
        }

        Assert.False(sent);
        Assert.False(server.Connected);
    }

    [Fact]
    public async Task A_large_fetch_refers_to_the_logs_memory_and_holds_it_until_the_response_is_sent()
    {
        using var broker = new SecuredBroker(superUsers: "User:root");
        var batch = TestBatches.Create(100, valueSize: 1_000); // about 100 KB: above the threshold
        var produce = new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 5_000,
            TopicData = [new() { Name = SecuredBroker.Topic, PartitionData = [new() { Index = 0, Records = batch }] }],
        };
        var produced = await broker.SendAsync<ProduceResponse>("User:root", produce, 9);
        Assert.Equal(0, produced.Responses[0].PartitionResponses[0].ErrorCode);
        var fetch = new FetchRequest
        {
            MaxWaitMs = 0,
            MaxBytes = 10_000_000,
            Topics = [new() { Topic = SecuredBroker.Topic, Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1_048_576 }] }],
        };

        var outcome = await broker.DispatchAsync("User:root", fetch, 12);

        var frame = outcome.Response!;
        Assert.Equal(3, frame.Segments.Count);
        Assert.True(MemoryMarshal.TryGetArray(frame.Segments[1], out var sent));
        var log = broker.Cluster.FindPartition(SecuredBroker.Topic, 0)!.ReplicaLog(1);
        var stored = log.Read(0, int.MaxValue, IsolationLevel.ReadUncommitted);
        Assert.True(MemoryMarshal.TryGetArray(stored.Records, out var inLog));
        Assert.Same(inLog.Array, sent.Array);
        stored.Release();
        var hold = Assert.Single(outcome.Holds!);
        Assert.Same(hold.Held, stored.Held);
        var response = RawRequests.Decode<FetchResponse>(frame.ToArray()[4..], ApiKey.Fetch, 12);
        var records = response.Responses[0].Partitions[0].Records!.Value;
        Assert.Equal(batch.Length, records.Length);
        var header = new RecordBatchHeader(records.Span);
        Assert.Equal(header.ComputeCrc(), header.Crc);
        outcome.Complete();
    }

    [Fact]
    public async Task A_small_fetch_is_copied_into_its_response_and_holds_nothing_once_encoded()
    {
        using var broker = new SecuredBroker(superUsers: "User:root");
        var produce = new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 5_000,
            TopicData = [new() { Name = SecuredBroker.Topic, PartitionData = [new() { Index = 1, Records = TestBatches.Create(3) }] }],
        };
        await broker.SendAsync<ProduceResponse>("User:root", produce, 9);
        var fetch = new FetchRequest
        {
            MaxWaitMs = 0,
            MaxBytes = 10_000_000,
            Topics = [new() { Topic = SecuredBroker.Topic, Partitions = [new() { Partition = 1, FetchOffset = 0, PartitionMaxBytes = 1_048_576 }] }],
        };

        var outcome = await broker.DispatchAsync("User:root", fetch, 12);

        Assert.Equal(1, outcome.Response!.Segments.Count);
        Assert.Single(outcome.Holds!); // released when sent all the same, as the connection does after any response
        outcome.Complete();
    }

    /// <summary>A frame of buffer bytes and referenced ranges of the given sizes, alternately, each filled with its own pattern.</summary>
    private static PooledBufferWriter Frame(int referenceThreshold, params int[] sizes)
    {
        var frame = new PooledBufferWriter { ReferenceThreshold = referenceThreshold };
        for (var i = 0; i < sizes.Length; i++)
        {
            var bytes = new byte[sizes[i]];
            new Random(i).NextBytes(bytes);
            if (i % 2 == 0) frame.Write(bytes.AsSpan());
            else frame.WriteOrReference(bytes);
        }
        return frame;
    }

    [Fact]
    public async Task Frames_of_one_buffer_and_of_many_pieces_take_turns_through_one_sender()
    {
        using var whole = Frame(referenceThreshold: int.MaxValue, 10, 500);
        using var pieces = Frame(referenceThreshold: 64 * 1024, 10, 1_048_576, 40);
        PooledBufferWriter[] frames = [whole, pieces, pieces, whole, pieces];

        var received = await SendOverSocketAsync(frames);

        Assert.Equal(frames.SelectMany(f => f.ToArray()), received);
    }

    /// <summary>
    /// Sends <paramref name="frames"/> from one end of a loopback connection, one after the other through one sender as a
    /// connection does, and returns what the other end read.
    /// </summary>
    private static async Task<byte[]> SendOverSocketAsync(params PooledBufferWriter[] frames)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptSocketAsync();
        var received = new byte[frames.Sum(f => f.Length)];
        var reading = client.GetStream().ReadExactlyAsync(received).AsTask();

        using var sender = new SocketSender();
        await using (var stream = new NetworkStream(server, ownsSocket: false))
        {
            foreach (var frame in frames) Assert.True(await FrameWriter.WriteAsync(stream, frame, sender, CancellationToken.None));
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        return received;
    }
}
