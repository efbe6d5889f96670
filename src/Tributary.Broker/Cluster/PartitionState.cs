using Tributary.Broker.Log;

namespace Tributary.Broker.Cluster;

/// <summary>Who leads a partition and which replicas are in sync: replaced as a whole on every change.</summary>
/// <param name="Leader">The leader's broker id, or -1 while no replica is alive.</param>
/// <param name="LeaderEpoch">Bumped on every leader change.</param>
/// <param name="Replicas">The assigned replicas, preferred leader first.</param>
/// <param name="Isr">The replicas in sync (the live ones: they share the leader's log).</param>
internal sealed record PartitionLeadership(int Leader, int LeaderEpoch, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr)
{
    /// <summary>Assigned replicas that are not in sync because their broker is stopped.</summary>
    public IReadOnlyList<int> OfflineReplicas => Replicas.Except(Isr).ToList();
}

/// <summary>One partition: its log and its current leadership.</summary>
internal sealed class PartitionState
{
    private volatile PartitionLeadership _leadership;

    public PartitionState(string topic, int index, PartitionLeadership leadership)
    {
        Topic = topic;
        Index = index;
        _leadership = leadership;
        Log.BecomeLeader(leadership.LeaderEpoch);
    }

    /// <summary>The topic name.</summary>
    public string Topic { get; }

    /// <summary>The partition number.</summary>
    public int Index { get; }

    /// <summary>The partition's log, shared by all replicas.</summary>
    public PartitionLog Log { get; } = new();

    /// <summary>The current leadership (one consistent snapshot).</summary>
    public PartitionLeadership Leadership => _leadership;

    /// <summary>Installs new leadership; a new leader epoch is noted in the log for OffsetForLeaderEpoch.</summary>
    public void Update(PartitionLeadership leadership)
    {
        var previous = _leadership;
        _leadership = leadership;
        if (leadership.LeaderEpoch != previous.LeaderEpoch) Log.BecomeLeader(leadership.LeaderEpoch);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Index}";
}
