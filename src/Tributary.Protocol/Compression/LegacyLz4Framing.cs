using System.IO.Hashing;

namespace Tributary.Protocol.Compression;

/// <summary>
/// The LZ4 frame header checksum as message formats 0 and 1 use it. Kafka 0.8-0.9 (magic 0) computed the header
/// checksum byte over the frame's magic number as well as its descriptor, against the LZ4 frame spec; Kafka 0.10
/// fixed it for magic 1 and since then reads magic-0 frames ignoring that byte and checks it in magic-1 frames.
/// Clients of both eras follow suit (librdkafka and kafka-python write the broken byte for magic 0).
/// </summary>
internal static class LegacyLz4Framing
{
    private const int FrameMagicSize = 4;
    private const int FlagsOffset = 4;
    private const byte ContentSizeFlag = 0x08;
    private const byte DictionaryIdFlag = 0x01;

    /// <summary>Rewrites the header checksum of the frame in <paramref name="frame"/> the way Kafka 0.8-0.9 wrote it.</summary>
    public static void BreakHeaderChecksum(Span<byte> frame)
    {
        var checksumOffset = ChecksumOffset(frame);
        frame[checksumOffset] = Checksum(frame[..checksumOffset]);
    }

    /// <summary>
    /// Returns the frame with a header checksum the LZ4 spec accepts: as given when it already is (or, for magic 1,
    /// throws when it is not), a corrected copy when a magic-0 frame carries the old checksum or any other.
    /// </summary>
    /// <exception cref="InvalidCompressedDataException">A magic-1 frame whose header checksum is wrong, or a truncated header.</exception>
    public static ReadOnlyMemory<byte> Normalize(ReadOnlyMemory<byte> frame, sbyte magic)
    {
        var checksumOffset = ChecksumOffset(frame.Span);
        var correct = Checksum(frame.Span[FrameMagicSize..checksumOffset]);
        if (frame.Span[checksumOffset] == correct) return frame;
        if (magic > 0)
            throw new InvalidCompressedDataException(CompressionCodec.Lz4, "the frame header checksum is wrong (Kafka 0.10 and later check it in message format 1).");
        var copy = frame.ToArray();
        copy[checksumOffset] = correct;
        return copy;
    }

    private static int ChecksumOffset(ReadOnlySpan<byte> frame)
    {
        if (frame.Length <= FlagsOffset + 2) throw new InvalidCompressedDataException(CompressionCodec.Lz4, "the frame ends inside its header.");
        var flags = frame[FlagsOffset];
        var offset = FlagsOffset + 2 + ((flags & ContentSizeFlag) != 0 ? sizeof(long) : 0) + ((flags & DictionaryIdFlag) != 0 ? sizeof(int) : 0);
        if (offset >= frame.Length) throw new InvalidCompressedDataException(CompressionCodec.Lz4, "the frame ends inside its header.");
        return offset;
    }

    // The spec's checksum: the second byte of the xxHash32 (seed 0) of the hashed bytes.
    private static byte Checksum(ReadOnlySpan<byte> hashed) => (byte)(XxHash32.HashToUInt32(hashed) >> 8);
}
