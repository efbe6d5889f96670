using System.Text;

namespace Tributary.Protocol.Records;

/// <summary>One record header: a UTF-8 key and a nullable value, as slices of the record.</summary>
public readonly struct RecordHeaderView
{
    private RecordHeaderView(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, bool isValueNull)
    {
        KeyUtf8 = key;
        Value = value;
        IsValueNull = isValueNull;
    }

    /// <summary>The key's UTF-8 bytes.</summary>
    public ReadOnlyMemory<byte> KeyUtf8 { get; }

    /// <summary>The key decoded as a string (allocates).</summary>
    public string Key => Encoding.UTF8.GetString(KeyUtf8.Span);

    /// <summary>The value bytes; empty when <see cref="IsValueNull"/>.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>True when the value is null, as opposed to empty.</summary>
    public bool IsValueNull { get; }

    internal static RecordHeaderView Read(ref KafkaReader reader)
    {
        var keyLength = reader.ReadVarInt();
        // Kafka allows null header values but not null keys.
        if (keyLength < 0) throw new InvalidLengthException($"Negative record header key length {keyLength} at byte {reader.Position}.");
        var key = reader.ReadRawMemory(keyLength);
        var value = RecordView.ReadNullableBytes(ref reader, "record header value", out var isValueNull);
        return new RecordHeaderView(key, value, isValueNull);
    }
}
