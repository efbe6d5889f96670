using System.Buffers.Binary;

namespace Tributary.Protocol.Checksums;

/// <summary>
/// Table-driven CRC-32C for CPUs without a CRC instruction: slicing-by-8 processes eight bytes per step
/// with eight 256-entry tables, several times faster than the classic byte-at-a-time loop.
/// Also the reference the hardware path is tested and benchmarked against.
/// </summary>
internal static class Crc32CSoftware
{
    private const uint ReflectedPolynomial = 0x82F63B78;

    // Tables[k][b] is the CRC of byte b followed by k zero bytes.
    private static readonly uint[][] Tables = BuildTables();

    private static uint[][] BuildTables()
    {
        var tables = new uint[8][];
        for (var k = 0; k < 8; k++) tables[k] = new uint[256];
        for (uint b = 0; b < 256; b++)
        {
            var crc = b;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ ReflectedPolynomial : crc >> 1;
            tables[0][b] = crc;
        }
        for (var b = 0; b < 256; b++)
        {
            for (var k = 1; k < 8; k++) tables[k][b] = (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xFF];
        }
        return tables;
    }

    /// <summary>Same contract as <see cref="Crc32C.Append"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var t0 = Tables[0]; var t1 = Tables[1]; var t2 = Tables[2]; var t3 = Tables[3];
        var t4 = Tables[4]; var t5 = Tables[5]; var t6 = Tables[6]; var t7 = Tables[7];
        var state = ~crc;
        while (data.Length >= 8)
        {
            var low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ state;
            var high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            state = t7[low & 0xFF] ^ t6[(low >> 8) & 0xFF] ^ t5[(low >> 16) & 0xFF] ^ t4[low >> 24]
                  ^ t3[high & 0xFF] ^ t2[(high >> 8) & 0xFF] ^ t1[(high >> 16) & 0xFF] ^ t0[high >> 24];
            data = data[8..];
        }
        foreach (var b in data) state = (state >> 8) ^ t0[(state ^ b) & 0xFF];
        return ~state;
    }

    // Polynomials over GF(2) modulo P, in the bit order of the CRC register: bit 31 - i holds the coefficient of x^i.

    /// <summary>x^<paramref name="exponent"/> mod P: the factor that moves a CRC state past exponent / 8 zero bytes.</summary>
    public static uint PowerOfX(int exponent)
    {
        uint result = 1u << 31, square = 1u << 30; // x^0 and x^1
        for (; exponent > 0; exponent >>= 1)
        {
            if ((exponent & 1) != 0) result = MultiplyModP(result, square);
            square = MultiplyModP(square, square);
        }
        return result;
    }

    private static uint MultiplyModP(uint a, uint b)
    {
        // Horner's rule over a's coefficients from x^31 (bit 0) down to x^0 (bit 31): product = product * x + a_i * b.
        uint product = 0;
        for (var bit = 0; bit < 32; bit++)
        {
            product = (product & 1) != 0 ? (product >> 1) ^ ReflectedPolynomial : product >> 1;
            if ((a & (1u << bit)) != 0) product ^= b;
        }
        return product;
    }
}
