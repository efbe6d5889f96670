using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Runtime.InteropServices;
using Tributary.Broker.Log;

namespace Tributary.Benchmarks.Broker;

/// <summary>
/// What the sending thread's CPU costs when a fetch answer of 16 MB leaves from the log's memory, by where the bytes are
/// when the kernel copies them (docs/benchmarks.md, issue 20, "Twenty-second round"). The broker sends stored batches in
/// place, in one gathering send (the kernel copies them straight from the log's chunks); librdkafka's mock first copies
/// them into a buffer of its own, which it reuses, and sends that. Four chunks of the broker's own pool (huge-page slabs
/// where the kernel offers them) are written as a producer would, the caches are flushed (256 MB written elsewhere), and
/// then they go to a loopback TCP connection that another thread drains: in one gathering send; in 256 KB steps, each
/// read once by this thread before it is sent; in 256 KB steps copied into one reused buffer (the mock's way); and, for
/// reference, in one gathering send again right after a first one. The kinds alternate for <c>--rounds N</c> rounds
/// (default 9); the sending thread's CPU time comes from Linux's thread CPU clock
/// (<see cref="ThreadCpu.CurrentThreadNanoseconds"/>).
/// </summary>
internal static class SendBenchmark
{
    /// <summary>The first program argument that selects this benchmark.</summary>
    public const string Command = "sends";

    private const int ChunkBytes = LogChunk.MaxChunkSize;
    private const int Chunks = 4;
    private const int StepBytes = 256 * 1024;
    private const int FlushBytes = 256 * 1024 * 1024;

    /// <summary>Runs the rounds and prints each kind's CPU per 16 MB sent, median (range), and its ratio to the gathering send.</summary>
    public static int Run(string[] args)
    {
        if (!ThreadCpu.CurrentThreadClockAvailable(Command)) return 1;
        var rounds = BenchmarkMath.Option(args, "--rounds", 9);
        using var connection = LoopbackConnection.Open();
        var chunks = Enumerable.Range(0, Chunks).Select(_ => LogChunkPool.Shared.Rent(ChunkBytes, out _)).ToList();
        var flush = GC.AllocateUninitializedArray<byte>(FlushBytes);
        var step = new byte[StepBytes];
        var kinds = new (string Name, Action<Socket> Send, bool Warm)[]
        {
            ("one gathering send (the broker's way)", socket => socket.Send(chunks), false),
            ("256 KB steps, each read by this thread, then sent", socket => SendInSteps(socket, chunks, piece => Read(piece)), false),
            ("256 KB steps copied into one reused buffer, then sent (the mock's way)", socket => SendInSteps(socket, chunks, piece =>
            {
                piece.AsSpan().CopyTo(step);
                return step;
            }), false),
            ("one gathering send, right after a first one", socket => socket.Send(chunks), true),
        };
        var results = kinds.ToDictionary(kind => kind.Name, _ => new List<double>());
        var sender = new Thread(() =>
        {
            for (var round = 0; round <= rounds; round++)
            {
                foreach (var (name, send, warm) in kinds)
                {
                    foreach (var chunk in chunks) chunk.AsSpan().Fill((byte)round); // a producer writes the batches
                    if (warm) connection.Sender.Send(chunks);
                    else flush.AsSpan().Fill((byte)round);
                    var before = ThreadCpu.CurrentThreadNanoseconds();
                    send(connection.Sender);
                    var cpu = (ThreadCpu.CurrentThreadNanoseconds() - before) / 1000.0;
                    if (round == 0) continue; // the first round warms up
                    results[name].Add(cpu);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}, {name}: {cpu:F0} µs"));
                }
            }
        }) { Name = "sender" };
        sender.Start();
        sender.Join();
        Console.WriteLine();
        Console.WriteLine("| 16 MB of log chunks to a loopback connection | µs of the sending thread's CPU, median (range) | against one gathering send |");
        Console.WriteLine("|---|--:|--:|");
        var baseline = results[kinds[0].Name];
        foreach (var (name, values) in results)
        {
            var (low, high) = BenchmarkMath.RatioOfMediansInterval(values, baseline);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {BenchmarkMath.Median(values):F0} ({values.Min():F0}-{values.Max():F0}) | {BenchmarkMath.Median(values) / BenchmarkMath.Median(baseline):F2}x ({low:F2}x-{high:F2}x) |"));
        }
        foreach (var chunk in chunks) LogChunkPool.Shared.Return(chunk, ChunkBytes);
        return 0;
    }

    /// <summary>Sends each 256 KB piece of <paramref name="chunks"/> as <paramref name="prepare"/> makes it ready: the bytes it returns.</summary>
    private static void SendInSteps(Socket socket, List<ArraySegment<byte>> chunks, Func<ArraySegment<byte>, ArraySegment<byte>> prepare)
    {
        foreach (var chunk in chunks)
        {
            for (var offset = 0; offset < chunk.Count; offset += StepBytes) socket.Send(prepare(chunk.Slice(offset, StepBytes)));
        }
    }

    /// <summary>Reads every byte of <paramref name="piece"/> once, a vector at a time, and returns it: the piece itself is sent.</summary>
    private static ArraySegment<byte> Read(ArraySegment<byte> piece)
    {
        var vectors = MemoryMarshal.Cast<byte, Vector<ulong>>(piece.AsSpan());
        var sum = Vector<ulong>.Zero;
        foreach (var vector in vectors) sum ^= vector;
        s_sink ^= sum[0];
        return piece;
    }

    private static ulong s_sink;

    /// <summary>A loopback TCP connection whose far end a thread of its own reads and drops, 64 KB at a time.</summary>
    private sealed class LoopbackConnection : IDisposable
    {
        private readonly Socket _receiver;
        private readonly Thread _drain;

        private LoopbackConnection(Socket sender, Socket receiver)
        {
            Sender = sender;
            _receiver = receiver;
            _drain = new Thread(() =>
            {
                var buffer = new byte[64 * 1024];
                while (_receiver.Receive(buffer) > 0)
                {
                }
            }) { IsBackground = true, Name = "drain" };
            _drain.Start();
        }

        public Socket Sender { get; }

        public static LoopbackConnection Open()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            receiver.Connect(listener.LocalEndPoint!);
            return new LoopbackConnection(listener.Accept(), receiver);
        }

        public void Dispose()
        {
            Sender.Shutdown(SocketShutdown.Send);
            _drain.Join();
            Sender.Dispose();
            _receiver.Dispose();
        }
    }
}
