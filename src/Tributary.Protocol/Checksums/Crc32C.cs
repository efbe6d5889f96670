using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ArmCrc32 = System.Runtime.Intrinsics.Arm.Crc32;

namespace Tributary.Protocol.Checksums;

/// <summary>
/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected as 0x82F63B78), the checksum of Kafka record batches.
/// Uses the CPU's CRC32 instruction (SSE 4.2 on x64, the CRC extension on Arm64) eight bytes at a time,
/// and a table-driven slicing-by-8 loop on CPUs without it. On x64 with carry-less multiplication
/// (PCLMULQDQ), inputs of 192 bytes and more run as three interleaved chains of the instruction; on x64 with the
/// 512-bit carry-less multiplication (VPCLMULQDQ on AVX-512), inputs of 4 KiB and more are first folded 512 bytes at a
/// time.
/// </summary>
/// <remarks>
/// The crc32 instruction takes 3 cycles to produce its result but the CPU can start one every cycle, so a single
/// chain of them runs at a third of the possible speed. The interleaved path cuts each round of input into three
/// equal parts, checksums them in three independent chains from zero, and joins the three results with the
/// checksum so far: the CRC is linear, so CRC(s, A‖B‖C) = shift(s, |ABC|) ⊕ shift(CRC(0, A), |BC|) ⊕
/// shift(CRC(0, B), |C|) ⊕ CRC(0, C), where shift(c, n) is the CRC state c followed by n zero bytes, that is
/// c·x^(8n) mod P. A shift is one carry-less multiplication by a constant precomputed per part size, reduced by one
/// crc32 instruction (which multiplies by x^32 and reduces mod P; the constant is x^(8n−33) mod P because the
/// 64-bit product of two 32-bit bit-reflected values is read by the instruction with one more factor x).
/// Because every part starts from zero, one round does not wait for the previous round's join, only for its input.
/// <para>
/// The folded path keeps eight 512-bit accumulators, 512 bytes, and moves each 512 bytes forward per step: a 128-bit
/// lane L = H·x^64 + Lo (H its first eight bytes) becomes H·x^(4096+64) + Lo·x^4096 mod P, two carry-less
/// multiplications by constants, plus the next 512 bytes. The accumulators stay congruent mod P to everything read so far
/// (with the starting state XORed into its first four bytes), so the CRC of their 512 bytes from zero is the CRC of the
/// input up to there. On the benchmark machine the three chains of the crc32 instruction checksum 47-50 GB/s and folding
/// 59-62 GB/s, from 16 KiB to 1 MiB (docs/benchmarks.md, "CRC-32C").
/// </para>
/// </remarks>
public static class Crc32C
{
    // Bytes of each of the three parts of a round: large rounds for the bulk of a buffer, small rounds for what is
    // left, so that at most 3 * SmallPart - 1 bytes go through the single chain. Rounds depend on each other only
    // through the short join, so the CPU overlaps consecutive rounds and parts of a few hundred bytes run faster
    // than long ones; the sizes were chosen by measuring 64 to 2048 (docs/benchmarks.md, "CRC-32C").
    internal const int LargePart = 256;
    internal const int SmallPart = 64;

    /// <summary>Bytes the folded path moves forward per step: eight 64-byte accumulators.</summary>
    internal const int FoldBlock = 512;

    /// <summary>
    /// The shortest input the folded path takes. It has a fixed cost, the CRC of the accumulators' 512 bytes: measured,
    /// folding took 1.7 times as long as the interleaved chains at 1 KiB (two blocks) and 0.86 times at 4 KiB.
    /// </summary>
    internal const int FoldThreshold = 4096;

    private static readonly Joiner Large = new(LargePart);
    private static readonly Joiner Small = new(SmallPart);

    private static readonly Vector512<ulong> FoldConstants = CreateFoldConstants();

    /// <summary>True when this process computes CRC-32C with a CPU instruction rather than lookup tables.</summary>
    public static bool IsHardwareAccelerated => Sse42.X64.IsSupported || ArmCrc32.Arm64.IsSupported;

    // Arm64 has the carry-less multiply this needs too (PMULL), but the interleaved path is measured and tested
    // on x64 only, so Arm64 keeps the single chain.
    private static bool CanInterleave => Sse42.X64.IsSupported && Pclmulqdq.IsSupported;

    /// <summary>True when inputs of <see cref="FoldThreshold"/> bytes and more are folded with 512-bit carry-less multiplication.</summary>
    internal static bool CanFold => CanInterleave && Pclmulqdq.V512.IsSupported;

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
        ref var next = ref MemoryMarshal.GetReference(data);
        var length = (nuint)data.Length;
        if (CanFold && length >= FoldThreshold)
        {
            var blocks = length / FoldBlock;
            state = Folded(state, ref next, blocks);
            next = ref Unsafe.Add(ref next, blocks * FoldBlock);
            length -= blocks * FoldBlock;
        }
        return Chains(state, ref next, length);
    }

    // The crc32 instruction over an input: three interleaved chains where possible, then one chain for the rest.
    // Internal for the benchmark, which compares it with folding.
    internal static uint Chains(uint state, ref byte next, nuint length)
    {
        if (CanInterleave && length >= 3 * SmallPart)
        {
            var large = length / (3 * LargePart);
            state = Interleaved(state, ref next, large, LargePart, Large);
            next = ref Unsafe.Add(ref next, large * 3 * LargePart);
            length -= large * 3 * LargePart;

            var small = length / (3 * SmallPart);
            state = Interleaved(state, ref next, small, SmallPart, Small);
            next = ref Unsafe.Add(ref next, small * 3 * SmallPart);
            length -= small * 3 * SmallPart;
        }
        return SingleChain(state, ref next, length);
    }

    // One chain of crc32 instructions, each waiting for the previous one: the whole input on CPUs without
    // interleaving, and the tail shorter than a small round otherwise. Internal for the tests and the benchmark,
    // which compare it with the interleaved path on whole inputs.
    internal static uint SingleChain(uint state, ref byte data, nuint length)
    {
        nuint i = 0;
        for (; i + sizeof(ulong) <= length; i += sizeof(ulong)) state = BitOperations.Crc32C(state, ReadWord(ref data, i));
        if (i + sizeof(uint) <= length)
        {
            state = BitOperations.Crc32C(state, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, i)));
            i += sizeof(uint);
        }
        for (; i < length; i++) state = BitOperations.Crc32C(state, Unsafe.Add(ref data, i));
        return state;
    }

    // Folds `blocks` (at least two) blocks of 512 bytes into eight accumulators, then checksums the accumulators.
    // Internal for the tests, which compare it with the chains on whole inputs.
    internal static uint Folded(uint state, ref byte data, nuint blocks)
    {
        var a0 = Load(ref data, 0) ^ Vector512.CreateScalar((ulong)state);
        var a1 = Load(ref data, 1);
        var a2 = Load(ref data, 2);
        var a3 = Load(ref data, 3);
        var a4 = Load(ref data, 4);
        var a5 = Load(ref data, 5);
        var a6 = Load(ref data, 6);
        var a7 = Load(ref data, 7);
        var k = FoldConstants;
        for (; blocks > 1; blocks--)
        {
            data = ref Unsafe.Add(ref data, FoldBlock);
            a0 = Fold(a0, k, Load(ref data, 0));
            a1 = Fold(a1, k, Load(ref data, 1));
            a2 = Fold(a2, k, Load(ref data, 2));
            a3 = Fold(a3, k, Load(ref data, 3));
            a4 = Fold(a4, k, Load(ref data, 4));
            a5 = Fold(a5, k, Load(ref data, 5));
            a6 = Fold(a6, k, Load(ref data, 6));
            a7 = Fold(a7, k, Load(ref data, 7));
        }
        Span<Vector512<ulong>> accumulators = [a0, a1, a2, a3, a4, a5, a6, a7];
        return Chains(0, ref MemoryMarshal.GetReference(MemoryMarshal.AsBytes(accumulators)), FoldBlock);
    }

    // For each 128-bit lane, the constant that moves its first eight bytes 512 + 8 bytes on and the one that moves its
    // last eight 512 bytes on. As in Joiner, a 32-bit constant taken as a 64-bit operand gains a factor x^32 and the
    // product one more x: x^(8·512 + 31) multiplies by x^(8·512 + 64), x^(8·512 − 33) by x^(8·512).
    private static Vector512<ulong> CreateFoldConstants()
    {
        ulong first = Crc32CSoftware.PowerOfX(8 * FoldBlock + 31), last = Crc32CSoftware.PowerOfX(8 * FoldBlock - 33);
        return Vector512.Create(first, last, first, last, first, last, first, last);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Load(ref byte data, nuint accumulator) =>
        Vector512.LoadUnsafe(ref data, accumulator * (nuint)Vector512<byte>.Count).AsUInt64();

    // Each lane's first eight bytes times their constant, its last eight times theirs, and the next input.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Fold(Vector512<ulong> accumulator, Vector512<ulong> constants, Vector512<ulong> next) =>
        Pclmulqdq.V512.CarrylessMultiply(accumulator, constants, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(accumulator, constants, 0x11) ^ next;

    // Checksums `rounds` rounds of three parts of `part` bytes each, joining each round into the state.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Interleaved(uint state, ref byte data, nuint rounds, nuint part, Joiner joiner)
    {
        for (; rounds > 0; rounds--)
        {
            uint a = 0, b = 0, c = 0;
            for (nuint i = 0; i < part; i += sizeof(ulong))
            {
                a = BitOperations.Crc32C(a, ReadWord(ref data, i));
                b = BitOperations.Crc32C(b, ReadWord(ref data, part + i));
                c = BitOperations.Crc32C(c, ReadWord(ref data, 2 * part + i));
            }
            state = joiner.Join(state, a, b) ^ c;
            data = ref Unsafe.Add(ref data, 3 * part);
        }
        return state;
    }

    // The instruction consumes the lowest-addressed byte first, i.e. a little-endian load (.NET runs little-endian
    // on every CPU that has the instruction).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadWord(ref byte data, nuint offset) => Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, offset));

    /// <summary>The shift constants of one part size: x^(8n − 33) mod P for n = one, two and three parts.</summary>
    private sealed class Joiner(int part)
    {
        private readonly Vector128<ulong> _shiftOnePart = Constant(part);
        private readonly Vector128<ulong> _shiftTwoParts = Constant(2 * part);
        private readonly Vector128<ulong> _shiftThreeParts = Constant(3 * part);

        // shift(state, 3 parts) ⊕ shift(a, 2 parts) ⊕ shift(b, 1 part): the three products are summed (XOR)
        // before the one reduction, which is linear.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint Join(uint state, uint a, uint b)
        {
            var sum = Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)state), _shiftThreeParts, 0)
                    ^ Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)a), _shiftTwoParts, 0)
                    ^ Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe((ulong)b), _shiftOnePart, 0);
            return (uint)Sse42.X64.Crc32(0, sum.ToScalar());
        }

        private static Vector128<ulong> Constant(int bytes) =>
            Vector128.CreateScalar((ulong)Crc32CSoftware.PowerOfX(8 * bytes - 33));
    }
}
