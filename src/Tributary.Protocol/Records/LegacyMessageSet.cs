using Tributary.Protocol.Compression;

namespace Tributary.Protocol.Records;

/// <summary>One record of a magic 0 or 1 message set, with its absolute offset and effective timestamp resolved.</summary>
/// <param name="Offset">The absolute offset (a magic-1 wrapper's inner offsets are relative; see <see cref="LegacyMessageSet"/>).</param>
/// <param name="Timestamp">The timestamp: the message's own, or its wrapper's for a LogAppendTime wrapper; -1 in magic 0.</param>
/// <param name="Message">The message itself (key, value, CRC, attributes).</param>
public readonly record struct LegacyRecord(long Offset, long Timestamp, LegacyMessage Message);

/// <summary>
/// Reads magic 0 and 1 message sets. An entry is either a plain message or a wrapper: a message whose attributes name
/// a codec and whose value is a compressed message set of inner messages. In magic 0 inner offsets are absolute; in
/// magic 1 they are relative (0, 1, ...) and the wrapper carries the absolute offset of the last inner message.
/// </summary>
public static class LegacyMessageSet
{
    /// <summary>
    /// Reads the entries (plain messages and wrappers, not opened) of <paramref name="set"/>. A partial entry at
    /// the end is ignored when <paramref name="allowPartialTail"/> (a fetch response cut at its size limit), else refused.
    /// </summary>
    /// <exception cref="CorruptRecordException">An entry is malformed, or the set ends inside one that is not allowed to.</exception>
    /// <exception cref="UnsupportedMessageFormatException">An entry is not of magic 0 or 1.</exception>
    public static List<LegacyMessage> ReadEntries(ReadOnlyMemory<byte> set, bool allowPartialTail = false)
    {
        var entries = new List<LegacyMessage>();
        while (!set.IsEmpty)
        {
            if (!LegacyMessage.TryRead(set, out var entry))
            {
                if (allowPartialTail) break;
                throw new CorruptRecordException($"The message set ends inside an entry: {set.Length} bytes remain after {entries.Count} whole entries.");
            }
            entries.Add(entry);
            set = set[entry.Bytes.Length..];
        }
        return entries;
    }

    /// <summary>
    /// Opens a wrapper: decompresses its value into a pooled buffer (returned when the result is disposed) and reads
    /// its inner messages, checking each CRC, with absolute offsets and effective timestamps resolved.
    /// </summary>
    /// <remarks>
    /// An inner message may be of the other magic than its wrapper: Kafka's broker reads wrappers with a deep iterator that
    /// does not require the wrapper's magic (AbstractLegacyRecordBatch.iterator), and kafka-node speaking Produce v0 wraps
    /// magic-1 messages in a magic-0 wrapper. Such a message keeps its own timestamp (none for magic 0).
    /// </remarks>
    /// <exception cref="InvalidRecordException">An inner message is compressed, or there are none.</exception>
    /// <exception cref="CorruptRecordException">An inner message is malformed or fails its CRC.</exception>
    /// <exception cref="InvalidCompressedDataException">The value does not decompress.</exception>
    /// <exception cref="DecompressionLimitExceededException">The value decompresses to more than <paramref name="maxDecompressedBytes"/>.</exception>
    public static LegacyWrapperRecords OpenWrapper(LegacyMessage wrapper, int maxDecompressedBytes = KafkaCompression.DefaultMaxDecompressedBytes)
    {
        var codec = wrapper.Compression;
        if (codec == CompressionCodec.None) throw new ArgumentException("The message is not a wrapper: it names no codec.", nameof(wrapper));
        if (wrapper.IsValueNull) throw new InvalidRecordException($"The {codec} wrapper message at offset {wrapper.Offset} has a null value.");
        var buffer = new PooledBufferWriter(Math.Min(4 * wrapper.Value.Length + 64, maxDecompressedBytes));
        try
        {
            KafkaCompression.DecompressLegacy(codec, wrapper.Magic, wrapper.Value, buffer, maxDecompressedBytes);
            var inner = ReadEntries(buffer.WrittenMemory);
            if (inner.Count == 0) throw new InvalidRecordException($"The {codec} wrapper message at offset {wrapper.Offset} holds no inner messages.");
            var records = new List<LegacyRecord>(inner.Count);
            var lastInnerOffset = inner[^1].Offset;
            foreach (var message in inner)
            {
                if ((message.Attributes & LegacyMessageLayout.CompressionMask) != 0)
                    throw new InvalidRecordException("An inner message of a compressed wrapper is itself compressed.");
                message.Validate();
                var offset = wrapper.Magic == 0 ? message.Offset : wrapper.Offset - lastInnerOffset + message.Offset;
                var timestamp = wrapper.TimestampType == TimestampType.LogAppendTime ? wrapper.Timestamp : message.Timestamp;
                records.Add(new LegacyRecord(offset, timestamp, message));
            }
            return new LegacyWrapperRecords(records, buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}

/// <summary>The inner records of one wrapper; disposing returns the buffer they point into.</summary>
public sealed class LegacyWrapperRecords : IDisposable
{
    private readonly PooledBufferWriter _buffer;

    internal LegacyWrapperRecords(IReadOnlyList<LegacyRecord> records, PooledBufferWriter buffer)
    {
        Records = records;
        _buffer = buffer;
    }

    /// <summary>The inner records in order; valid until disposal.</summary>
    public IReadOnlyList<LegacyRecord> Records { get; }

    /// <summary>The decompressed size of the inner message set.</summary>
    public int DecompressedSize => _buffer.WrittenCount;

    /// <summary>Returns the decompression buffer to the pool.</summary>
    public void Dispose() => _buffer.Dispose();
}
