using System.Runtime.CompilerServices;
using Tributary.Broker.Log;

namespace Tributary.Broker.Tests.Log;

/// <summary>
/// Where the kernel offers transparent huge pages, chunks of the pooled sizes are pieces of slabs aligned to a huge page,
/// and written slab memory is mapped in huge pages; every other chunk, and every chunk where huge pages are not offered, is
/// an array of its own. Each test has its own <see cref="ChunkMemory"/>, set up as the broker's shared one is.
/// </summary>
public sealed class ChunkMemoryTests
{
    private readonly ChunkMemory _memory = new(ChunkMemory.HugePagesOffered());

    [Fact]
    public void Chunks_of_the_pooled_sizes_are_aligned_pieces_of_slabs_that_never_overlap_where_huge_pages_are_offered()
    {
        for (var size = ChunkMemory.SmallChunkSize; size <= ChunkMemory.SlabSize; size *= 2)
        {
            var pieces = Enumerable.Range(0, 2 * ChunkMemory.SlabSize / size + 1).Select(_ => _memory.Allocate(size)).ToList();

            Assert.All(pieces, piece => Assert.Equal(size, piece.Count));
            if (!_memory.UsesHugePages)
            {
                Assert.All(pieces, piece => Assert.Equal((0, size), (piece.Offset, piece.Array!.Length)));
                continue;
            }
            Assert.All(pieces, piece => Assert.Equal(0, AddressOf(piece) % Math.Min(size, ChunkMemory.HugePageSize)));
            // One slab holds SlabSize / size pieces: three slabs here, the last with one piece taken.
            Assert.Equal(3, pieces.Select(piece => piece.Array).Distinct().Count());
            var ranges = pieces.Select(piece => (Start: AddressOf(piece), End: AddressOf(piece) + size)).OrderBy(range => range.Start).ToList();
            for (var i = 1; i < ranges.Count; i++) Assert.True(ranges[i].Start >= ranges[i - 1].End, $"pieces of {size} bytes overlap");
        }
    }

    [Theory]
    [InlineData(ChunkMemory.SmallChunkSize / 2)]
    [InlineData(ChunkMemory.SmallChunkSize + 1)]
    [InlineData(3 * 1024 * 1024)]
    [InlineData(2 * ChunkMemory.SlabSize)]
    public void A_chunk_of_any_other_size_is_an_array_of_its_own(int size)
    {
        var memory = _memory.Allocate(size);

        Assert.Equal((0, size, size), (memory.Offset, memory.Count, memory.Array!.Length));
    }

    [Fact]
    public void Written_slab_memory_is_mapped_in_huge_pages_where_they_are_offered()
    {
        var piece = _memory.Allocate(ChunkMemory.SlabSize);
        var populated = ChunkMemory.Populate(piece, 0, ChunkMemory.HugePageSize);
        piece.AsSpan(0, ChunkMemory.HugePageSize).Fill(1);

        if (!_memory.UsesHugePages)
        {
            Assert.False(ChunkMemory.HugePagesOffered());
            return;
        }
        Assert.True(populated >= ChunkMemory.HugePageSize);
        Assert.True(HugePageKilobytesAt(AddressOf(piece)) >= ChunkMemory.HugePageSize / 1024,
            "the kernel maps the written slab memory in huge pages (smaps AnonHugePages)");
        Assert.All(piece.AsSpan(0, ChunkMemory.HugePageSize).ToArray(), b => Assert.Equal(1, b));
    }

    [Fact]
    public void A_piece_given_back_is_handed_out_again_before_a_new_slab_is_cut()
    {
        var pieces = Enumerable.Range(0, 3).Select(_ => _memory.Allocate(ChunkMemory.SmallChunkSize)).ToList();

        _memory.Free(pieces[1]);
        var next = _memory.Allocate(ChunkMemory.SmallChunkSize);

        if (_memory.UsesHugePages) Assert.Equal((pieces[1].Array, pieces[1].Offset), (next.Array, next.Offset));
        else Assert.NotSame(pieces[1].Array, next.Array); // arrays of their own: the collector's to reuse
    }

    [Fact]
    public void A_slab_all_of_whose_pieces_came_back_is_left_to_the_collector()
    {
        var slab = AllocateAndFreeOneSlab(_memory);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(slab.IsAlive, "the slab's array was collected");
    }

    /// <summary>Not inlined, so that no reference to the pieces stays in the test's own frame.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference AllocateAndFreeOneSlab(ChunkMemory memory)
    {
        var pieces = Enumerable.Range(0, ChunkMemory.SlabSize / ChunkMemory.HugePageSize).Select(_ => memory.Allocate(ChunkMemory.HugePageSize)).ToList();
        foreach (var piece in pieces) memory.Free(piece);
        return new WeakReference(pieces[0].Array);
    }

    private static unsafe long AddressOf(ArraySegment<byte> piece)
    {
        fixed (byte* address = piece.AsSpan()) return (long)address; // slabs are pinned arrays: the address stays
    }

    /// <summary>AnonHugePages of the mapping of this process that holds <paramref name="address"/> (/proc/self/smaps).</summary>
    private static long HugePageKilobytesAt(long address)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            if (dash > 0 && line.IndexOf(' ') > dash && long.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out var start))
            {
                var end = long.Parse(line.AsSpan(dash + 1, line.IndexOf(' ') - dash - 1), System.Globalization.NumberStyles.HexNumber);
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            }
        }
        return 0;
    }
}
