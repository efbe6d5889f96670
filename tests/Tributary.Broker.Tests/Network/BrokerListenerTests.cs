using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Cluster;
using Tributary.Broker.Network;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Network;

public class BrokerListenerTests : IAsyncLifetime
{
    private const int MaxRequestSize = 1024;
    private readonly BrokerNode _broker = new(1, "127.0.0.1") { IsAlive = true };
    private BrokerListener _listener = null!;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Echoes each frame; a frame starting with 0xFF makes it throw, 0xFE asks for no response, 0xFD waits for the test's
    /// gate; any other first byte is how many milliseconds it waits (0: none, answered at once).
    /// </summary>
    private sealed class EchoProcessor(Task? gate = null) : IRequestProcessor
    {
        public async ValueTask<RequestOutcome> ProcessAsync(ReadOnlyMemory<byte> frame, ConnectionInfo connection, CancellationToken cancellationToken)
        {
            if (frame.Span[0] == 0xFF) throw new InvalidOperationException("handler failure");
            if (frame.Span[0] == 0xFE) return RequestOutcome.NoResponse;
            if (frame.Span[0] == 0xFD) await gate!.WaitAsync(cancellationToken);
            // Later requests finish faster: ordering must still hold.
            else await Task.Delay(frame.Span[0], cancellationToken);
            var response = new PooledBufferWriter();
            var w = new KafkaWriter(response);
            w.WriteInt32(frame.Length);
            w.WriteRaw(frame.Span);
            return RequestOutcome.Respond(response);
        }
    }

    public Task InitializeAsync()
    {
        _listener = BrokerListener.Start(_broker, "127.0.0.1", 0, new EchoProcessor(_gate.Task), MaxRequestSize, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _listener.DisposeAsync();

    private Task<RawKafkaSocket> ConnectAsync() => RawKafkaSocket.ConnectAsync("127.0.0.1", _listener.Port);

    private async Task AssertHealthyAsync()
    {
        using var healthy = await ConnectAsync();
        await healthy.SendFrameAsync([1, 2, 3]);
        Assert.Equal([1, 2, 3], await healthy.ReadFrameAsync());
    }

    [Fact]
    public async Task Pipelined_requests_are_answered_in_order()
    {
        using var client = await ConnectAsync();
        byte[][] frames = [[30, 1], [0xFE], [10, 2], [0, 3]];
        foreach (var frame in frames) await client.SendFrameAsync(frame);

        Assert.Equal([30, 1], await client.ReadFrameAsync());
        Assert.Equal([10, 2], await client.ReadFrameAsync());
        Assert.Equal([0, 3], await client.ReadFrameAsync());
    }

    [Fact]
    public async Task Requests_sent_together_are_all_answered_in_order_past_the_answers_held_at_once()
    {
        using var client = await ConnectAsync();
        const int requests = 200; // more than a connection holds before sending (KafkaConnection.MaxHeldResponses)
        await client.SendAsync(Enumerable.Range(0, requests).SelectMany(i => Frame([0, (byte)i])).ToArray());

        for (var i = 0; i < requests; i++) Assert.Equal([0, (byte)i], await client.ReadFrameAsync());
    }

    [Fact]
    public async Task An_answer_is_not_held_back_by_a_request_sent_with_it_that_waits()
    {
        using var client = await ConnectAsync();
        await client.SendAsync([.. Frame([0, 1]), .. Frame([0xFD, 2]), .. Frame([0, 3])]);

        // The second request waits for the gate, so the first answer left before it, not held for it.
        Assert.Equal([0, 1], await client.ReadFrameAsync());
        _gate.SetResult();
        Assert.Equal([0xFD, 2], await client.ReadFrameAsync());
        Assert.Equal([0, 3], await client.ReadFrameAsync());
    }

    private static byte[] Frame(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    [Fact]
    public async Task A_frame_split_over_many_writes_is_reassembled()
    {
        using var client = await ConnectAsync();
        var frame = new byte[] { 0, 0, 0, 3, 0, 7, 9 };
        foreach (var b in frame)
        {
            await client.SendAsync([b]);
            await Task.Delay(2);
        }
        Assert.Equal([0, 7, 9], await client.ReadFrameAsync());
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(MaxRequestSize + 1)]
    public async Task An_impossible_length_closes_only_that_connection(int length)
    {
        using var bad = await ConnectAsync();
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        await bad.SendAsync(prefix);

        Assert.True(await bad.IsClosedByBrokerAsync());
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task A_truncated_frame_and_a_vanished_client_harm_nobody()
    {
        var bad = await ConnectAsync();
        await bad.SendAsync([0, 0, 0, 100, 1, 2, 3]);
        bad.Dispose();
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task A_failing_handler_closes_only_that_connection()
    {
        using var bad = await ConnectAsync();
        await bad.SendFrameAsync([0xFF]);
        Assert.True(await bad.IsClosedByBrokerAsync());
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Disposing_closes_connections_and_frees_the_port()
    {
        using var client = await ConnectAsync();
        var port = _listener.Port;
        await _listener.DisposeAsync();

        Assert.True(await client.IsClosedByBrokerAsync());
        _listener = BrokerListener.Start(_broker, "127.0.0.1", port, new EchoProcessor(), MaxRequestSize, NullLogger.Instance);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task Disposing_ends_a_request_that_is_still_waiting()
    {
        using var client = await ConnectAsync();
        await client.SendFrameAsync([250]);
        await Task.Delay(20);
        await _listener.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        _listener = BrokerListener.Start(_broker, "127.0.0.1", 0, new EchoProcessor(), MaxRequestSize, NullLogger.Instance);
    }
}
