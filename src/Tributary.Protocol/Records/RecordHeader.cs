namespace Tributary.Protocol.Records;

/// <summary>A record header to write: a non-null key and a value that may be null.</summary>
/// <param name="Key">The header key.</param>
/// <param name="Value">The header value; null is written as length -1.</param>
public readonly record struct RecordHeader(string Key, ReadOnlyMemory<byte>? Value);
