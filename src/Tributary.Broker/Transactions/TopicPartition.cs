namespace Tributary.Broker.Transactions;

/// <summary>A partition taking part in a transaction.</summary>
/// <param name="Topic">The topic name.</param>
/// <param name="Partition">The partition index.</param>
internal readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Partition}";
}
