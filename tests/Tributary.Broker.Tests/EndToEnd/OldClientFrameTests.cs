using System.Buffers.Binary;
using System.Text;
using Tributary.Protocol;
using Tributary.Protocol.Messages;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.EndToEnd;

/// <summary>
/// Request frames that kafka-python 2.0.2 sent when pinned to Kafka 0.9 and 0.10 (Fixtures/kafka-python-old:
/// Metadata v0-1, Produce v1-2 with message sets of format 0 and 1, ListOffsets v0-1, Fetch v1 and v3, the group
/// APIs at their first versions), replayed byte for byte: each is answered in its own version, and the records
/// come back in the format each fetch version reads.
/// </summary>
public class OldClientFrameTests : IAsyncLifetime
{
    private const string Topic = "old-fixture"; // the topic the captured requests name
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedKafkaCluster.StartAsync();
        await _cluster.CreateTopicAsync(Topic, configs: new Dictionary<string, string> { ["retention.ms"] = "-1" });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static IEnumerable<(string Name, byte[] Frame)> Frames() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "kafka-python-old"), "*.hex")
            .Order(StringComparer.Ordinal)
            .Select(file => (Path.GetFileNameWithoutExtension(file), Convert.FromHexString(string.Concat(
                File.ReadAllLines(file).Where(line => !line.StartsWith('#')).Select(line => line.Trim())))));

    [Fact]
    public async Task Every_captured_request_is_answered_in_its_own_version_with_records_in_the_format_it_reads()
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        var answered = new List<string>();
        foreach (var (name, frame) in Frames())
        {
            var apiKey = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(frame);
            var version = BinaryPrimitives.ReadInt16BigEndian(frame.AsSpan(2));
            var correlationId = BinaryPrimitives.ReadInt32BigEndian(frame.AsSpan(4));
            await socket.SendFrameAsync(frame);
            var response = await socket.ReadFrameAsync();
            Assert.True(response is not null, $"{name}: the broker closed the connection");
            Check(name, RawRequests.Decode<IKafkaResponse>(response!, apiKey, version, correlationId), version);
            answered.Add(name);
        }
        Assert.Equal(16, answered.Count);
    }

    private static void Check(string name, IKafkaResponse response, short version)
    {
        switch (response)
        {
            case ProduceResponse produce:
                var partition = produce.Responses.Single().PartitionResponses.Single();
                Assert.Equal((short)ErrorCode.None, partition.ErrorCode);
                // v1 (format 0) came first, then v2 (format 1): three records each.
                Assert.Equal(version == 1 ? 0 : 3, partition.BaseOffset);
                break;
            case FetchResponse fetch:
                var records = fetch.Responses.Single().Partitions.Single().Records!.Value;
                var entries = LegacyMessageSet.ReadEntries(records, allowPartialTail: true);
                Assert.All(entries, e => Assert.Equal(version <= 1 ? 0 : 1, e.Magic));
                // The first batch (format 0 from Produce v1) always; the gzip wrapper of the second when it fits in the
                // bytes read, which its conversion may not (as in Kafka, the consumer fetches it next).
                Assert.Equal(["v0", "v1", "v2"], Values(entries).Take(3));
                break;
            case ListOffsetsResponse offsets when version == 0:
                // The consumer asked for the earliest offset, one of them.
                Assert.Equal([0L], offsets.Topics.Single().Partitions.Single().OldStyleOffsets);
                break;
            case ListOffsetsResponse offsets:
                Assert.Equal(0, offsets.Topics.Single().Partitions.Single().Offset);
                break;
            case MetadataResponse metadata:
                Assert.Contains(metadata.Topics, t => t.Name == Topic);
                break;
            case JoinGroupResponse join:
                Assert.Equal((short)ErrorCode.None, join.ErrorCode);
                Assert.NotEmpty(join.MemberId);
                break;
            case OffsetFetchResponse offsetFetch:
                Assert.All(offsetFetch.Topics.SelectMany(t => t.Partitions), p => Assert.Equal((short)ErrorCode.None, p.ErrorCode));
                break;
            case FindCoordinatorResponse coordinator:
                Assert.Equal((short)ErrorCode.None, coordinator.ErrorCode);
                break;
            default:
                // Heartbeat, SyncGroup, OffsetCommit, LeaveGroup name the member of the captured session, which this
                // broker never saw: they are answered (UNKNOWN_MEMBER_ID) in their version, which is what is checked.
                Assert.NotNull(response);
                break;
        }
    }

    private static List<string> Values(List<LegacyMessage> entries)
    {
        var values = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Compression == Protocol.Compression.CompressionCodec.None)
            {
                values.Add(Encoding.UTF8.GetString(entry.Value.Span));
                continue;
            }
            using var inner = LegacyMessageSet.OpenWrapper(entry);
            values.AddRange(inner.Records.Select(r => Encoding.UTF8.GetString(r.Message.Value.Span)));
        }
        return values;
    }
}
