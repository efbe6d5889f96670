using System.Numerics;

namespace Tributary.Protocol.Records;

/// <summary>Encoded sizes of zig-zag varints, so a record's length prefix can be written before the record.</summary>
internal static class VarIntLength
{
    public static int Of(int value) => OfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int Of(long value) => OfUnsigned((ulong)((value << 1) ^ (value >> 63)));

    // Seven payload bits per byte; zero still takes one byte.
    private static int OfUnsigned(ulong value) => Math.Max(1, (64 - BitOperations.LeadingZeroCount(value) + 6) / 7);
}
