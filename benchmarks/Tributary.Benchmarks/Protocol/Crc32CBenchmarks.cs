using BenchmarkDotNet.Attributes;
using Tributary.Protocol.Checksums;

namespace Tributary.Benchmarks.Protocol;

/// <summary>CRC-32C over 1 MiB: the CPU-instruction path against the table-driven fallback as the baseline.</summary>
[MemoryDiagnoser]
public class Crc32CBenchmarks
{
    private readonly byte[] _data = new byte[1 << 20];

    [GlobalSetup]
    public void Setup() => new Random(1).NextBytes(_data);

    [Benchmark(Baseline = true)]
    public uint TableDriven() => Crc32CSoftware.Append(0, _data);

    [Benchmark]
    public uint CpuInstruction() => Crc32C.Compute(_data);
}
