using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Tributary.Broker.Network;

/// <summary>
/// Sends a plain connection's responses and says whether they went out, without an exception when the client has gone.
/// </summary>
/// <remarks>
/// A client often closes while a long poll of its waits at the broker (librdkafka closes with a fetch pending), so the
/// answer meets a closed socket (EPIPE). The socket's Task-based send reports that as an exception: the runtime writes the
/// current stack out as text into it, and it was then rethrown through every awaiting frame up to the connection's loop.
/// That was 6% to 13% of the samples of the broker's CPU over sessions of the cluster benchmark's 15,000-message consumer
/// (docs/benchmarks.md, issue 20, fourteenth round). Here the send is a reused <see cref="SocketAsyncEventArgs"/>, which
/// reports the error as a value. One send at a time: a connection sends its responses one after the other.
/// </remarks>
internal sealed class SocketSender : SocketAsyncEventArgs, IValueTaskSource<bool>
{
    private ManualResetValueTaskSourceCore<bool> _completion;

    public SocketSender() : base(unsafeSuppressExecutionContextFlow: true)
    {
    }

    /// <summary>Sends all of <paramref name="buffer"/>; false when the connection is gone.</summary>
    public ValueTask<bool> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer)
    {
        SetBuffer(MemoryMarshal.AsMemory(buffer));
        return Start(socket);
    }

    /// <summary>Sends every piece in one gathering send (sendmsg); false when the connection is gone.</summary>
    public ValueTask<bool> SendAsync(Socket socket, IList<ArraySegment<byte>> pieces)
    {
        BufferList = pieces;
        return Start(socket);
    }

    // On a stream socket the runtime completes a send only once the kernel has taken all of it, or on an error.
    private ValueTask<bool> Start(Socket socket)
    {
        _completion.Reset();
        bool pending;
        try
        {
            pending = socket.SendAsync(this);
        }
        catch (ObjectDisposedException)
        {
            Clear();
            return new ValueTask<bool>(false);
        }
        if (pending) return new ValueTask<bool>(this, _completion.Version);
        Clear();
        return new ValueTask<bool>(SocketError == SocketError.Success);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        Clear();
        _completion.SetResult(SocketError == SocketError.Success);
    }

    // The buffers are pooled: not held past the send.
    private void Clear()
    {
        if (BufferList is not null) BufferList = null;
        else SetBuffer(Memory<byte>.Empty);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
