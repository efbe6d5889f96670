using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Tributary.Benchmarks.Cluster;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Benchmarks.Requests;

/// <summary>
/// The client of the <c>requests</c> benchmark, in a child process of this program (<c>requests client &lt;workload&gt;</c>):
/// it encodes one request with the repository's codec and sends it over and over on one connection (or, for
/// <see cref="RequestKind.Connection"/>, on a new connection each time), each time after reading the answer to the last.
/// Both servers thus get the same bytes, the same number of times, at the same pace, which the Confluent.Kafka clients of
/// the cluster benchmark do not give them: those size their requests by how fast the broker answered.
/// </summary>
internal static class RequestClient
{
    /// <summary>The argument after "requests" that makes this program the client.</summary>
    public const string Command = "client";

    private const short ProduceVersion = 7;
    private const short FetchVersion = 11;

    /// <summary>Runs <paramref name="workload"/> in a child process; returns the CPU time <paramref name="target"/>'s process used meanwhile.</summary>
    public static async Task<TimeSpan> RunAsync(RequestWorkload workload, IBenchmarkTarget target, CancellationToken cancellationToken)
    {
        var (_, cost) = await ChildProcess.RunMeteredAsync([RequestBenchmarks.Command, Command, JsonSerializer.Serialize(workload)], target.Meter, cancellationToken);
        return cost.Cpu;
    }

    /// <summary>The child side: sends the workload's requests and prints one result line.</summary>
    public static int Run(string workloadJson)
    {
        var workload = JsonSerializer.Deserialize<RequestWorkload>(workloadJson)
            ?? throw new ArgumentException("No workload given.", nameof(workloadJson));
        ChildProcess.AwaitStart();
        var scenario = workload.Scenario;
        if (scenario.Kind == RequestKind.Connection)
        {
            var apiVersions = Frame(new ApiVersionsRequest(), 0);
            for (var i = 0; i < scenario.Requests; i++)
            {
                using var connection = Connect(workload);
                Exchange(connection, apiVersions);
            }
        }
        else
        {
            using var connection = Connect(workload);
            var frame = scenario.Kind switch
            {
                RequestKind.Produce => ProduceFrame(workload),
                RequestKind.Fetch => FetchFrame(workload, LastOffsets(connection, workload, scenario.Records), maxWaitMs: 0),
                _ => FetchFrame(workload, LastOffsets(connection, workload, 0), scenario.MaxWaitMs),
            };
            var together = new byte[scenario.Together * frame.Length];
            for (var i = 0; i < scenario.Together; i++) frame.CopyTo(together, i * frame.Length);
            var pace = Stopwatch.StartNew();
            for (var i = 0; i < scenario.Requests; i += scenario.Together)
            {
                if (scenario.PerSecond > 0 && TimeSpan.FromSeconds((double)i / scenario.PerSecond) - pace.Elapsed is { Ticks: > 0 } ahead) Thread.Sleep(ahead);
                for (var j = 0; j < scenario.Together; j++) BinaryPrimitives.WriteInt32BigEndian(together.AsSpan(j * frame.Length + CorrelationIdOffset), i + j);
                connection.Send(together);
                for (var j = 0; j < scenario.Together; j++)
                {
                    var answer = ReadAnswer(connection);
                    if (i == 0 && j == 0 && scenario.Kind == RequestKind.Produce) CheckProduced(answer);
                }
            }
        }
        ChildProcess.Finish($"{scenario.Requests}");
        return 0;
    }

    /// <summary>Where a request frame's correlation id is: after the length prefix, the API key and the version.</summary>
    private const int CorrelationIdOffset = 8;

    private static Socket Connect(RequestWorkload workload)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(workload.Host, workload.Port);
        return socket;
    }

    /// <summary>Sends a frame and reads the answer's frame (without its length prefix).</summary>
    private static byte[] Exchange(Socket socket, byte[] frame)
    {
        socket.Send(frame);
        return ReadAnswer(socket);
    }

    /// <summary>Reads the next answer's frame (without its length prefix).</summary>
    private static byte[] ReadAnswer(Socket socket)
    {
        Span<byte> prefix = stackalloc byte[4];
        ReceiveExactly(socket, prefix);
        var answer = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        ReceiveExactly(socket, answer);
        return answer;
    }

    private static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (buffer.Length > 0)
        {
            var read = socket.Receive(buffer);
            if (read == 0) throw new IOException("The broker closed the connection.");
            buffer = buffer[read..];
        }
    }

    /// <summary>Produce v7, acks=1: a batch of the scenario's records for every partition.</summary>
    private static byte[] ProduceFrame(RequestWorkload workload)
    {
        var topic = new ProduceRequest.TopicProduceData { Name = workload.Topic };
        for (var partition = 0; partition < workload.Partitions; partition++)
            topic.PartitionData.Add(new ProduceRequest.PartitionProduceData { Index = partition, Records = ProtocolBytes.RecordBatch(workload.Scenario.Records, RequestScenario.RecordSize, _ => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) });
        return Frame(new ProduceRequest { Acks = 1, TimeoutMs = 30_000, TopicData = [topic] }, ProduceVersion);
    }

    /// <summary>Fetch v11 from <paramref name="offsets"/> (one per partition), answered with at least one byte or after <paramref name="maxWaitMs"/>.</summary>
    private static byte[] FetchFrame(RequestWorkload workload, long[] offsets, int maxWaitMs)
    {
        var topic = new FetchRequest.FetchTopic { Topic = workload.Topic };
        for (var partition = 0; partition < workload.Partitions; partition++)
            topic.Partitions.Add(new FetchRequest.FetchPartition { Partition = partition, FetchOffset = offsets[partition], PartitionMaxBytes = 1024 * 1024 });
        return Frame(new FetchRequest { MaxWaitMs = maxWaitMs, MinBytes = 1, MaxBytes = 50 * 1024 * 1024, Topics = [topic] }, FetchVersion);
    }

    /// <summary>Each partition's high watermark less <paramref name="records"/>, from a fetch at offset 0 (whose answer carries them).</summary>
    private static long[] LastOffsets(Socket socket, RequestWorkload workload, int records)
    {
        var answer = Exchange(socket, FetchFrame(workload, new long[workload.Partitions], maxWaitMs: 0));
        var reader = new KafkaReader(answer);
        ResponseHeader.Read(ref reader, ApiKeys.ResponseHeaderVersion(ApiKey.Fetch, FetchVersion));
        var response = FetchResponse.Read(ref reader, FetchVersion);
        var offsets = new long[workload.Partitions];
        foreach (var partition in response.Responses.Single().Partitions)
            offsets[partition.PartitionIndex] = Math.Max(partition.LogStartOffset, partition.HighWatermark - records);
        return offsets;
    }

    /// <summary>Fails the run if the first produce was refused: every later request would measure an error path.</summary>
    private static void CheckProduced(byte[] answer)
    {
        var reader = new KafkaReader(answer);
        ResponseHeader.Read(ref reader, ApiKeys.ResponseHeaderVersion(ApiKey.Produce, ProduceVersion));
        var response = ProduceResponse.Read(ref reader, ProduceVersion);
        var refused = response.Responses.SelectMany(t => t.PartitionResponses).FirstOrDefault(p => p.ErrorCode != 0);
        if (refused is not null) throw new InvalidOperationException($"Produce refused: partition {refused.Index}, error {refused.ErrorCode}.");
    }

    private static byte[] Frame(IKafkaRequest request, short version) => ProtocolBytes.RequestFrame(request, version, correlationId: 0, clientId: "requests-benchmark");
}
