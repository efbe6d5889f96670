using System.Text;

namespace Tributary.Abstractions;

/// <summary>
/// A record as a transform sees it: key, value and headers as bytes (null when absent), plus where it was read from.
/// The <c>Text</c> members read and write UTF-8.
/// </summary>
public sealed record TransformMessage
{
    /// <summary>The record key, or null.</summary>
    public byte[]? Key { get; init; }

    /// <summary>The record value, or null (a tombstone).</summary>
    public byte[]? Value { get; init; }

    /// <summary>Headers in order; a name may repeat.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]?>> Headers { get; init; } = [];

    /// <summary>The topic the record was read from.</summary>
    public string SourceTopic { get; init; } = "";

    /// <summary>The partition the record was read from.</summary>
    public int SourcePartition { get; init; }

    /// <summary>The record's offset in its source partition.</summary>
    public long SourceOffset { get; init; }

    /// <summary>The record's timestamp.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The key as UTF-8 text, or null.</summary>
    public string? KeyText => Key is null ? null : Encoding.UTF8.GetString(Key);

    /// <summary>The value as UTF-8 text, or null.</summary>
    public string? ValueText => Value is null ? null : Encoding.UTF8.GetString(Value);

    /// <summary>A copy with another value, given as text (UTF-8 encoded; null for none).</summary>
    /// <param name="value">The new value.</param>
    public TransformMessage WithValueText(string? value) => this with { Value = value is null ? null : Encoding.UTF8.GetBytes(value) };

    /// <summary>A copy with another key, given as text (UTF-8 encoded; null for none).</summary>
    /// <param name="key">The new key.</param>
    public TransformMessage WithKeyText(string? key) => this with { Key = key is null ? null : Encoding.UTF8.GetBytes(key) };
}
