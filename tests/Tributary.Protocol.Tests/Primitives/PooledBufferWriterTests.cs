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

    [Fact]
    public void Ranges_shorter_than_the_reference_threshold_are_copied_and_longer_ones_referenced_in_place()
    {
        var small = Bytes(99, 1);
        var large = Bytes(100, 2);
        using var writer = new PooledBufferWriter { ReferenceThreshold = 100 };

        writer.WriteOrReference(small);
        writer.WriteOrReference(large);

        Assert.Equal(99, writer.WrittenCount);
        Assert.Equal(199, writer.Length);
        var segments = writer.Segments;
        Assert.Equal(3, segments.Count);
        Assert.Equal(small, segments[0].ToArray());
        Assert.True(MemoryMarshal.TryGetArray(segments[1], out var referenced));
        Assert.Same(large, referenced.Array);
        Assert.True(segments[2].IsEmpty);
    }

    [Fact]
    public void Without_a_reference_threshold_every_range_is_copied()
    {
        using var writer = new PooledBufferWriter();
        writer.WriteOrReference(Bytes(1_000_000, 3));

        Assert.Equal(1, writer.Segments.Count);
        Assert.Equal(Bytes(1_000_000, 3), writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void An_output_with_references_reads_in_order_as_its_segments_and_whole_with_ToArray()
    {
        using var writer = new PooledBufferWriter(16) { ReferenceThreshold = 8 };
        writer.Write(Bytes(3, 10).AsSpan());
        writer.WriteOrReference(Bytes(8, 20));
        writer.WriteOrReference(Bytes(9, 30)); // back to back: an empty buffer slice between them
        writer.Write(Bytes(40, 40).AsSpan()); // the buffer grows after the references were taken
        writer.WriteOrReference(Bytes(8, 50));

        byte[] expected = [.. Bytes(3, 10), .. Bytes(8, 20), .. Bytes(9, 30), .. Bytes(40, 40), .. Bytes(8, 50)];
        var segments = writer.Segments;
        Assert.Equal(7, segments.Count);
        Assert.Equal([3, 8, 0, 9, 40, 8, 0], Enumerable.Range(0, 7).Select(i => segments[i].Length));
        Assert.Equal(expected, Enumerable.Range(0, 7).SelectMany(i => segments[i].ToArray()));
        Assert.Equal(expected, writer.ToArray());
        Assert.Equal(expected.Length, writer.Length);
    }

    [Fact]
    public void The_written_bytes_are_refused_as_one_range_once_the_output_refers_to_others()
    {
        using var writer = new PooledBufferWriter { ReferenceThreshold = 4 };
        writer.WriteOrReference(Bytes(4, 0));

        Assert.Throws<InvalidOperationException>(() => writer.WrittenMemory);
        Assert.Throws<InvalidOperationException>(() => writer.WrittenSpan.Length);
        writer.Clear();
        Assert.Equal(0, writer.Length);
        Assert.Equal(1, writer.Segments.Count);
        Assert.True(writer.WrittenMemory.IsEmpty);
    }

    private static byte[] Bytes(int count, int first) => Enumerable.Range(first, count).Select(i => (byte)i).ToArray();

    private static byte[] Array(PooledBufferWriter writer) =>
        MemoryMarshal.TryGetArray(writer.WrittenMemory, out var segment) ? segment.Array! : throw new InvalidOperationException("Not an array.");
}
