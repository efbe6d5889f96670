using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;

namespace Tributary.Protocol.Checksums;

/// <summary>
/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), the checksum of Kafka record batches.
/// Uses the CPU's CRC32 instruction (SSE 4.2 on x64, the CRC extension on Arm64) eight bytes at a time,
/// and a table-driven slicing-by-8 loop on CPUs without it.
/// </summary>
public static class Crc32C
{
    /// <summary>True when this process computes CRC-32C with a CPU instruction rather than lookup tables.</summary>
    public static bool IsHardwareAccelerated => Sse42.X64.IsSupported || ArmCrc32.Arm64.IsSupported;

    /// <summary>Computes the CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>
    /// Continues a checksum: given the CRC-32C of some bytes, returns the CRC-32C of those bytes followed by
    /// <paramref name="data"/>. <c>Append(Compute(a), b) == Compute(a + b)</c>; <c>Append(0, b) == Compute(b)</c>.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) =>
        IsHardwareAccelerated ? ~Hardware(~crc, data) : Crc32CSoftware.Append(crc, data);

    // The running state is the complemented CRC, as the instruction expects; callers complement in and out.
    private static uint Hardware(uint state, ReadOnlySpan<byte> data)
    {
        ref var start = ref MemoryMarshal.GetReference(data);
        var length = data.Length;
        var i = 0;
        for (; i <= length - sizeof(ulong); i += sizeof(ulong))
        {
            // The instruction consumes the lowest-addressed byte first, i.e. a little-endian load.
            var word = BinaryPrimitives.ReadUInt64LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref start, i), sizeof(ulong)));
            state = BitOperations.Crc32C(state, word);
        }
        for (; i < length; i++) state = BitOperations.Crc32C(state, Unsafe.Add(ref start, i));
        return state;
    }
}
