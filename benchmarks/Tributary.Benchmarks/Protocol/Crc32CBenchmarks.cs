using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Tributary.Protocol.Checksums;

namespace Tributary.Benchmarks.Protocol;

/// <summary>
/// CRC-32C of buffers the size of produced batches: <see cref="Crc32C.Compute"/> (<b>Folded</b>: from 4 KiB on x64 with
/// AVX-512's VPCLMULQDQ, folded 512 bytes at a time) against three interleaved crc32 chains (<b>Interleaved</b>, its
/// path from 192 bytes on other x64 CPUs, and below 4 KiB), the single chain of crc32 instructions it used before both
/// (the baseline, still its path on Arm64 and for tails) and the table-driven fallback for CPUs without the instruction.
/// </summary>
[MemoryDiagnoser]
public class Crc32CBenchmarks
{
    private byte[] _data = [];

    /// <summary>Bytes checksummed: 1 KiB up to 1 MiB (4 KiB is where folding starts); a produced batch of 100-byte records is 16-300 KB.</summary>
    [Params(1024, 4 * 1024, 16 * 1024, 256 * 1024, 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = new byte[Size];
        new Random(1).NextBytes(_data);
    }

    [Benchmark]
    public uint TableDriven() => Crc32CSoftware.Append(0, _data);

    [Benchmark(Baseline = true)]
    public uint SingleChain() => ~Crc32C.SingleChain(~0u, ref MemoryMarshal.GetArrayDataReference(_data), (nuint)_data.Length);

    [Benchmark]
    public uint Interleaved() => ~Crc32C.Chains(~0u, ref MemoryMarshal.GetArrayDataReference(_data), (nuint)_data.Length);

    [Benchmark]
    public uint Folded() => Crc32C.Compute(_data);
}
