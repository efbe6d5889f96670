using System.Buffers;
using System.Runtime.InteropServices;

namespace Tributary.Protocol.Tests.Primitives;

public class PooledBufferWriterTests
{
    [Fact]
    public void A_writer_given_a_pool_rents_its_buffers_there_and_returns_them_there_when_it_grows_and_when_disposed()
    {
        var pool = ArrayPool<byte>.Create(maxArrayLength: 4096, maxArraysPerBucket: 1);
        byte[] first;
        byte[] grown;
        using (var writer = new PooledBufferWriter(16, pool))
        {
            writer.Write(new byte[10].AsSpan());
            first = Array(writer);
            writer.Write(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray().AsSpan());
            grown = Array(writer);
            Assert.NotSame(first, grown);
            Assert.Equal(110, writer.WrittenCount);
            Assert.Equal(99, writer.WrittenSpan[^1]);
        }

        Assert.Same(first, pool.Rent(16));
        Assert.Same(grown, pool.Rent(grown.Length));
    }

    private static byte[] Array(PooledBufferWriter writer) =>
        MemoryMarshal.TryGetArray(writer.WrittenMemory, out var segment) ? segment.Array! : throw new InvalidOperationException("Not an array.");
}
