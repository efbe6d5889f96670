namespace Tributary.Broker.Groups;

/// <summary>One protocol a member supports (for consumers an assignor such as "range"), with its metadata.</summary>
/// <param name="Name">The protocol name.</param>
/// <param name="Metadata">Opaque protocol metadata (for consumers the subscription).</param>
internal sealed record GroupProtocol(string Name, byte[] Metadata)
{
    /// <summary>Whether two protocol lists carry the same names and metadata in the same order.</summary>
    public static bool SameProtocols(IReadOnlyList<GroupProtocol> left, IReadOnlyList<GroupProtocol> right) =>
        left.Count == right.Count
        && left.Zip(right).All(pair => pair.First.Name == pair.Second.Name && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));
}
