namespace Tributary.Protocol.Records;

/// <summary>
/// One record of a batch, as slices of the batch's bytes (or of its decompressed records). Offset and timestamp
/// are resolved against the batch header. Valid as long as the underlying buffer is.
/// </summary>
public readonly struct RecordView
{
    private RecordView(sbyte attributes, long timestampDelta, int offsetDelta, RecordContext context,
        ReadOnlyMemory<byte> key, bool isKeyNull, ReadOnlyMemory<byte> value, bool isValueNull, RecordHeaders headers)
    {
        Attributes = attributes;
        TimestampDelta = timestampDelta;
        OffsetDelta = offsetDelta;
        Offset = context.BaseOffset + offsetDelta;
        Timestamp = context.LogAppendTime ?? context.BaseTimestamp + timestampDelta;
        Key = key;
        IsKeyNull = isKeyNull;
        Value = value;
        IsValueNull = isValueNull;
        Headers = headers;
    }

    /// <summary>The record's attributes byte (unused by Kafka so far, always 0 from current clients).</summary>
    public sbyte Attributes { get; }

    /// <summary>The timestamp relative to the batch's base timestamp.</summary>
    public long TimestampDelta { get; }

    /// <summary>The offset relative to the batch's base offset.</summary>
    public int OffsetDelta { get; }

    /// <summary>The record's offset: base offset plus offset delta.</summary>
    public long Offset { get; }

    /// <summary>The record's timestamp: base timestamp plus delta, or the batch's append time for LogAppendTime batches.</summary>
    public long Timestamp { get; }

    /// <summary>The key bytes; empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>True when the key is null (length -1), as opposed to empty.</summary>
    public bool IsKeyNull { get; }

    /// <summary>The value bytes; empty when <see cref="IsValueNull"/>.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>True when the value is null (a tombstone), as opposed to empty.</summary>
    public bool IsValueNull { get; }

    /// <summary>The record's headers.</summary>
    public RecordHeaders Headers { get; }

    /// <summary>Parses one record body (everything after its length varint) and checks that it ends exactly there.</summary>
    internal static RecordView Parse(ReadOnlyMemory<byte> body, RecordContext context)
    {
        var reader = new KafkaReader(body);
        var attributes = reader.ReadInt8();
        var timestampDelta = reader.ReadVarLong();
        var offsetDelta = reader.ReadVarInt();
        var key = ReadNullableBytes(ref reader, "record key", out var isKeyNull);
        var value = ReadNullableBytes(ref reader, "record value", out var isValueNull);
        var headers = RecordHeaders.Read(ref reader);
        if (!reader.End)
            throw new CorruptRecordException($"Record at offset delta {offsetDelta} has {reader.Remaining} bytes left over after its last field.");
        return new RecordView(attributes, timestampDelta, offsetDelta, context, key, isKeyNull, value, isValueNull, headers);
    }

    /// <summary>Reads a zig-zag varint length (-1 for null) and that many bytes as a slice.</summary>
    internal static ReadOnlyMemory<byte> ReadNullableBytes(ref KafkaReader reader, string what, out bool isNull)
    {
        var length = reader.ReadVarInt();
        isNull = length == -1;
        if (isNull) return ReadOnlyMemory<byte>.Empty;
        if (length < 0) throw new InvalidLengthException($"Negative {what} length {length} at byte {reader.Position}.");
        return reader.ReadRawMemory(length);
    }
}
