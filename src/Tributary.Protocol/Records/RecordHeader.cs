namespace Tributary.Protocol.Records;

/// <summary>A record header to write: a non-null key and a value that may be null.</summary>
/// <param name="Key">The header key.</param>
/// <param name="Value">The header value; null is written as length -1.</param>
public readonly record struct RecordHeader(string Key, ReadOnlyMemory<byte>? Value)
{
    /// <summary>
    /// Creates a header from an array. A null array stays null: the implicit conversion from <c>byte[]</c> to
    /// <see cref="ReadOnlyMemory{T}"/> would turn it into an empty value instead.
    /// </summary>
    public RecordHeader(string key, byte[]? value) : this(key, NullableMemory(value)) { }

    // Spelled out because `array is null ? null : array.AsMemory()` types the null as an empty memory too.
    internal static ReadOnlyMemory<byte>? NullableMemory(byte[]? array) =>
        array is null ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(array);
}
