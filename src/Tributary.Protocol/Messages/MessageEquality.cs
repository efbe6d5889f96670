namespace Tributary.Protocol.Messages;

/// <summary>Content comparisons used by the generated Equals methods.</summary>
internal static class MessageEquality
{
    public static bool ListEqual<T>(List<T>? left, List<T>? right) =>
        left is null || right is null ? left is null && right is null : left.SequenceEqual(right);

    public static bool BytesEqual(byte[]? left, byte[]? right) =>
        left is null || right is null ? left is null && right is null : left.AsSpan().SequenceEqual(right);

    public static bool RecordsEqual(ReadOnlyMemory<byte>? left, ReadOnlyMemory<byte>? right) =>
        left is null || right is null ? left is null && right is null : left.Value.Span.SequenceEqual(right.Value.Span);

    /// <summary>Unknown tagged fields compare by tag and bytes; no list and an empty list are the same.</summary>
    public static bool TaggedFieldsEqual(List<TaggedField>? left, List<TaggedField>? right)
    {
        var leftCount = left?.Count ?? 0;
        if (leftCount != (right?.Count ?? 0)) return false;
        for (var i = 0; i < leftCount; i++)
        {
            if (left![i].Tag != right![i].Tag || !left[i].Data.AsSpan().SequenceEqual(right[i].Data)) return false;
        }
        return true;
    }
}
