using System.Globalization;
using Confluent.Kafka;
using Tributary.Cli.Common;

namespace Tributary.Cli.Clients;

/// <summary>
/// Where <c>consume</c> starts, as kcat's <c>-o</c> says it: <c>beginning</c>, <c>end</c>, an absolute offset
/// <c>N</c>, <c>-N</c> (N records before the end) or <c>s@timestamp</c> (the first record at or after a Unix time in
/// milliseconds).
/// </summary>
internal abstract record OffsetSpec
{
    /// <summary>The first record of each partition.</summary>
    public sealed record Beginning : OffsetSpec;

    /// <summary>Only records written from now on.</summary>
    public sealed record End : OffsetSpec;

    /// <summary>A fixed offset in every partition.</summary>
    public sealed record Absolute(long Offset) : OffsetSpec;

    /// <summary>The last <paramref name="Count"/> records of each partition.</summary>
    public sealed record FromEnd(long Count) : OffsetSpec;

    /// <summary>The first record at or after a time.</summary>
    public sealed record AtTimestamp(long UnixMilliseconds) : OffsetSpec;

    /// <summary>Parses a kcat-style offset spec.</summary>
    /// <exception cref="UserErrorException">The text is not a valid spec.</exception>
    public static OffsetSpec Parse(string text) => text switch
    {
        "beginning" => new Beginning(),
        "end" => new End(),
        ['s', '@', .. var time] when long.TryParse(time, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) => new AtTimestamp(ms),
        ['-', .. var count] when long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 => new FromEnd(n),
        _ when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) => new Absolute(offset),
        _ => throw new UserErrorException($"bad offset spec '{text}': expected beginning, end, N, -N or s@<unix ms>"),
    };

    /// <summary>The offset to start <paramref name="partition"/> from, asking the cluster where the spec needs it.</summary>
    public Offset Resolve(IConsumer<byte[], byte[]> consumer, TopicPartition partition, TimeSpan timeout) => this switch
    {
        Beginning => Offset.Beginning,
        End => Offset.End,
        Absolute absolute => new Offset(absolute.Offset),
        FromEnd fromEnd => consumer.QueryWatermarkOffsets(partition, timeout) is var marks
            ? new Offset(Math.Max(marks.Low.Value, marks.High.Value - fromEnd.Count))
            : Offset.End,
        AtTimestamp at => consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(at.UnixMilliseconds, TimestampType.CreateTime))], timeout)[0].Offset,
        _ => throw new InvalidOperationException($"Unhandled offset spec {this}."),
    };
}
