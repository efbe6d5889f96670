using System.Buffers;

namespace Tributary.Protocol;

/// <summary>
/// A growable output buffer rented from an array pool (<see cref="ArrayPool{T}.Shared"/> unless given another). Written bytes stay addressable,
/// so a frame's length prefix can be patched after its body is written. Dispose returns the buffer.
/// </summary>
/// <remarks>
/// With a <see cref="ReferenceThreshold"/>, large byte ranges given to <see cref="WriteOrReference"/> are not copied: the
/// output then refers to them where they were written, and is read as <see cref="Segments"/> (buffer bytes and referenced
/// ranges in order) or copied whole with <see cref="ToArray"/>. A broker sends a fetch response's stored record batches
/// so, straight from the log's memory, which the caller keeps unchanged until the output is sent.
/// </remarks>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private readonly ArrayPool<byte> _pool;
    private byte[] _buffer;
    private int _written;
    private List<(int Position, ReadOnlyMemory<byte> Bytes)>? _references;
    private int _referencedBytes;

    /// <summary>Creates a writer with room for at least <paramref name="initialCapacity"/> bytes.</summary>
    public PooledBufferWriter(int initialCapacity = 256)
        : this(initialCapacity, ArrayPool<byte>.Shared)
    {
    }

    /// <summary>Creates a writer with room for at least <paramref name="initialCapacity"/> bytes, its buffers rented from <paramref name="pool"/>.</summary>
    public PooledBufferWriter(int initialCapacity, ArrayPool<byte> pool)
    {
        _pool = pool;
        _buffer = pool.Rent(Math.Max(initialCapacity, 16));
    }

    /// <summary>Bytes written into the buffer so far (not counting referenced ones: see <see cref="Length"/>).</summary>
    public int WrittenCount => _written;

    /// <summary>The written bytes.</summary>
    /// <exception cref="InvalidOperationException">The output refers to bytes outside the buffer (read <see cref="Segments"/>).</exception>
    public ReadOnlySpan<byte> WrittenSpan => WrittenMemory.Span;

    /// <summary>The written bytes.</summary>
    /// <exception cref="InvalidOperationException">The output refers to bytes outside the buffer (read <see cref="Segments"/>).</exception>
    public ReadOnlyMemory<byte> WrittenMemory => _references is null
        ? _buffer.AsMemory(0, _written)
        : throw new InvalidOperationException("The output refers to bytes outside its buffer; read it by its segments.");

    /// <summary>
    /// The bytes written into the buffer, writable in place (to patch a length or a CRC after the fact); positions are
    /// the output's own up to the first referenced range.
    /// </summary>
    public Span<byte> WrittenSpanMutable => _buffer.AsSpan(0, _written);

    /// <summary>
    /// Ranges given to <see cref="WriteOrReference"/> from this length on are referenced rather than copied; 0 (the
    /// default) copies everything.
    /// </summary>
    public int ReferenceThreshold { get; set; }

    /// <summary>The whole output's length: the bytes in the buffer and the referenced ranges.</summary>
    public int Length => _written + _referencedBytes;

    /// <summary>
    /// The output in order, as buffer slices and referenced ranges alternately: an empty buffer slice stands between two
    /// references written back to back. A single segment (the buffer) when nothing is referenced.
    /// </summary>
    public OutputSegments Segments => new(this);

    /// <summary>Forgets what was written, keeping the rented buffer.</summary>
    public void Clear()
    {
        _written = 0;
        _references = null;
        _referencedBytes = 0;
    }

    /// <summary>Whether a range of <paramref name="length"/> bytes is referenced, not copied, under <paramref name="referenceThreshold"/> (<see cref="ReferenceThreshold"/>).</summary>
    public static bool IsReferenced(int length, int referenceThreshold) => referenceThreshold > 0 && length >= referenceThreshold;

    /// <summary>
    /// Appends <paramref name="bytes"/>: by reference when they are at least <see cref="ReferenceThreshold"/> long, so the
    /// caller must keep them unchanged for as long as the output is read; copied otherwise.
    /// </summary>
    public void WriteOrReference(ReadOnlyMemory<byte> bytes)
    {
        if (!IsReferenced(bytes.Length, ReferenceThreshold))
        {
            bytes.Span.CopyTo(GetSpan(bytes.Length));
            Advance(bytes.Length);
            return;
        }
        (_references ??= []).Add((_written, bytes));
        _referencedBytes += bytes.Length;
    }

    /// <inheritdoc />
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written)) throw new ArgumentOutOfRangeException(nameof(count));
        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Reserve(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length) return;
        var bigger = _pool.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        _pool.Return(_buffer);
        _buffer = bigger;
    }

    /// <summary>Copies the whole output, referenced ranges included, into a new array.</summary>
    public byte[] ToArray()
    {
        var copy = new byte[Length];
        var position = 0;
        var segments = Segments;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i].Span;
            segment.CopyTo(copy.AsSpan(position));
            position += segment.Length;
        }
        return copy;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0) _pool.Return(buffer);
        Clear();
    }

    /// <summary>The segments of an output (<see cref="Segments"/>): buffer slices at even indexes, referenced ranges at odd ones.</summary>
    public readonly struct OutputSegments
    {
        private readonly PooledBufferWriter _output;

        internal OutputSegments(PooledBufferWriter output) => _output = output;

        /// <summary>How many segments there are.</summary>
        public int Count => 2 * (_output._references?.Count ?? 0) + 1;

        /// <summary>The segment at <paramref name="index"/>.</summary>
        public ReadOnlyMemory<byte> this[int index]
        {
            get
            {
                var references = _output._references;
                if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
                if (index % 2 == 1) return references![index / 2].Bytes;
                var slice = index / 2;
                var start = slice == 0 ? 0 : references![slice - 1].Position;
                var end = references is not null && slice < references.Count ? references[slice].Position : _output._written;
                return _output._buffer.AsMemory(start, end - start);
            }
        }
    }
}
