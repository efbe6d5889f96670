using System.Text;
using CsCheck;
using Tributary.Protocol.Checksums;

namespace Tributary.Protocol.Tests.Records;

public class Crc32CTests
{
    // Check value of the CRC catalogue and the test vectors of RFC 3720 (iSCSI), appendix B.4.
    public static TheoryData<byte[], uint> KnownVectors => new()
    {
        { Encoding.ASCII.GetBytes("123456789"), 0xE3069283 },
        { new byte[32], 0x8A9136AA },
        { Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43 },
        { Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), 0x46DD794E },
        { Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(), 0x113FDB5C },
        { Array.Empty<byte>(), 0x00000000 },
    };

    [Theory]
    [MemberData(nameof(KnownVectors))]
    public void Matches_known_vectors(byte[] data, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(data));
        Assert.Equal(expected, Crc32CSoftware.Append(0, data));
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
}
