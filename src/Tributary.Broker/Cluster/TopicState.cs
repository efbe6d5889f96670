namespace Tributary.Broker.Cluster;

/// <summary>One topic: name, id, partitions and configs. Partitions and configs are replaced as a whole when they change.</summary>
internal sealed class TopicState
{
    private volatile IReadOnlyList<PartitionState> _partitions;
    private volatile TopicConfig _config;

    public TopicState(string name, Guid id, IReadOnlyList<PartitionState> partitions, TopicConfig config)
    {
        Name = name;
        Id = id;
        _partitions = partitions;
        _config = config;
    }

    /// <summary>The topic name.</summary>
    public string Name { get; }

    /// <summary>The topic id (a random UUID, as in KRaft clusters).</summary>
    public Guid Id { get; }

    /// <summary>True for Kafka's own topic names, which metadata flags as internal.</summary>
    public bool IsInternal => IsInternalName(Name);

    /// <summary>The name of KRaft's metadata log, which no client may create.</summary>
    public const string ClusterMetadataTopic = "__cluster_metadata";

    /// <summary>Whether <paramref name="name"/> is one of Kafka's internal topics.</summary>
    public static bool IsInternalName(string name) => name is "__consumer_offsets" or "__transaction_state";

    /// <summary>The partitions, by index.</summary>
    public IReadOnlyList<PartitionState> Partitions => _partitions;

    /// <summary>The topic's configs.</summary>
    public TopicConfig Config
    {
        get => _config;
        set => _config = value;
    }

    /// <summary>The partition numbered <paramref name="index"/>, or null if there is none.</summary>
    public PartitionState? Partition(int index)
    {
        var partitions = _partitions;
        return index >= 0 && index < partitions.Count ? partitions[index] : null;
    }

    /// <summary>Adds partitions (CreatePartitions).</summary>
    public void AddPartitions(IEnumerable<PartitionState> added) => _partitions = _partitions.Concat(added).ToList();
}
