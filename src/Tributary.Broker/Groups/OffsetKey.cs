namespace Tributary.Broker.Groups;

/// <summary>A topic partition as the key of a group's committed offsets.</summary>
/// <param name="Topic">The topic name.</param>
/// <param name="Partition">The partition index.</param>
internal readonly record struct OffsetKey(string Topic, int Partition);
