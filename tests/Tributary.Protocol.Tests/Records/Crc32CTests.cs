using System.Runtime.InteropServices;
using System.Text;
using CsCheck;
using Tributary.Protocol.Checksums;

namespace Tributary.Protocol.Tests.Records;

public class Crc32CTests
{
    // Where Crc32C changes strategy: below a small round everything runs in one chain of crc32 instructions;
    // from there rounds of three interleaved parts, large rounds first, then small rounds, then the single chain for the rest.
    private const int SmallRound = 3 * Crc32C.SmallPart;
    private const int LargeRound = 3 * Crc32C.LargePart;

    // Check value of the CRC catalogue, the test vectors of RFC 3720 (iSCSI), appendix B.4, and two long inputs
    // (byte i is (7i + i / 256) mod 256) checked with a bit-at-a-time implementation written apart from this code.
    public static TheoryData<byte[], uint> KnownVectors => new()
    {
        { Encoding.ASCII.GetBytes("123456789"), 0xE3069283 },
        { new byte[32], 0x8A9136AA },
        { Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43 },
        { Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794E },
        { Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5C },
        { Array.Empty<byte>(), 0x00000000 },
        { Pattern(100_003), 0x20D9175A },
        { Pattern(1 << 20), 0xD51D8B6B },
    };

    // The path of CPUs that have the crc32 instruction but cannot interleave (Arm64, x64 without PCLMULQDQ).
    private static uint SingleChain(ReadOnlySpan<byte> data) => ~Crc32C.SingleChain(~0u, ref MemoryMarshal.GetReference(data), (nuint)data.Length);

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + (i >> 8))).ToArray();

    [Theory]
    [MemberData(nameof(KnownVectors))]
    public void Matches_known_vectors(byte[] data, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(data));
        Assert.Equal(expected, Crc32CSoftware.Append(0, data));
    }

    [Fact]
    public void Hardware_and_table_paths_agree_on_every_length_up_to_4200_at_every_alignment()
    {
        var buffer = new byte[4200 + 7];
        new Random(20).NextBytes(buffer);
        for (var offset = 0; offset <= 7; offset++)
        {
            for (var length = 0; length <= 4200; length++)
            {
                var slice = buffer.AsSpan(offset, length);
                var expected = Crc32CSoftware.Append(0, slice);
                if (Crc32C.Compute(slice) != expected) Assert.Fail($"offset {offset}, length {length}: {Crc32C.Compute(slice):X8} != {expected:X8}");
                if (Crc32C.IsHardwareAccelerated && SingleChain(slice) != expected) Assert.Fail($"single chain, offset {offset}, length {length}");
            }
        }
    }

    [Fact]
    public void Folding_512_bytes_at_a_time_agrees_with_the_chains_and_the_table_for_every_count_of_blocks_at_every_alignment()
    {
        var buffer = new byte[40 * Crc32C.FoldBlock + 7];
        new Random(512).NextBytes(buffer);
        for (var blocks = 2; blocks <= 40; blocks++)
        {
            for (var offset = 0; offset <= 7; offset++)
            {
                var slice = buffer.AsSpan(offset, blocks * Crc32C.FoldBlock);
                var expected = Crc32CSoftware.Append(0, slice);
                Assert.Equal(expected, Crc32C.Compute(slice));
                if (Crc32C.CanFold) Assert.Equal(expected, ~Crc32C.Folded(~0u, ref MemoryMarshal.GetReference(slice), (nuint)blocks));
                if (Crc32C.IsHardwareAccelerated) Assert.Equal(expected, SingleChain(slice));
            }
        }
    }

    [Fact]
    public void Hardware_and_table_paths_agree_on_random_large_inputs_at_every_alignment()
    {
        Gen.Select(Gen.Int[4200, 300_000], Gen.Int[0, 7], Gen.Int).Sample((length, offset, seed) =>
        {
            var buffer = new byte[offset + length];
            new Random(seed).NextBytes(buffer);
            var slice = buffer.AsSpan(offset);
            Assert.Equal(Crc32CSoftware.Append(0, slice), Crc32C.Compute(slice));
        }, iter: 60);
    }

    [Fact]
    public void Hardware_and_table_paths_agree_on_random_data_of_every_alignment()
    {
        Gen.Select(Gen.Byte.Array[0, 300], Gen.Int[0, 7]).Sample((data, skip) =>
        {
            var slice = data.AsSpan(Math.Min(skip, data.Length));
            Assert.Equal(Crc32CSoftware.Append(0, slice), Crc32C.Compute(slice));
        }, iter: 500);
    }

    // Lengths on both sides of each change of strategy, including several rounds of each size and every tail length.
    public static TheoryData<int> LengthsAroundTheThresholds => new()
    {
        SmallRound - 1, SmallRound, SmallRound + 1, SmallRound + 7, 2 * SmallRound - 1,
        LargeRound - 1, LargeRound, LargeRound + 1, LargeRound + SmallRound - 1, LargeRound + SmallRound + 5,
        3 * LargeRound + 2 * SmallRound + 3, 4 * LargeRound - 1,
        Crc32C.FoldThreshold - 1, Crc32C.FoldThreshold, Crc32C.FoldThreshold + 1, Crc32C.FoldThreshold + Crc32C.FoldBlock - 1,
        Crc32C.FoldThreshold + LargeRound + SmallRound + 5,
    };

    [Theory]
    [MemberData(nameof(LengthsAroundTheThresholds))]
    public void Append_continues_a_checksum_at_every_split_across_the_thresholds(int length)
    {
        var whole = new byte[length];
        new Random(length).NextBytes(whole);
        var expected = Crc32CSoftware.Append(0, whole);
        Assert.Equal(expected, Crc32C.Compute(whole));
        for (var split = 0; split <= length; split++)
        {
            var actual = Crc32C.Append(Crc32C.Compute(whole.AsSpan(0, split)), whole.AsSpan(split));
            if (actual != expected) Assert.Fail($"length {length}, split at {split}: {actual:X8} != {expected:X8}");
        }
    }

    [Fact]
    public void Append_continues_a_checksum()
    {
        Gen.Select(Gen.Byte.Array[0, 100], Gen.Byte.Array[0, 100]).Sample((first, second) =>
        {
            var whole = Crc32C.Compute([.. first, .. second]);
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(first), second));
            Assert.Equal(whole, Crc32CSoftware.Append(Crc32CSoftware.Append(0, first), second));
        }, iter: 200);
    }

    [Fact]
    public void Append_continues_a_checksum_of_large_inputs()
    {
        Gen.Select(Gen.Byte.Array[0, 20_000], Gen.Byte.Array[0, 20_000]).Sample((first, second) =>
        {
            var whole = Crc32CSoftware.Append(0, [.. first, .. second]);
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(first), second));
        }, iter: 100);
    }
}
