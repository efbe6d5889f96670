using System.Collections.Concurrent;
using System.Text;

namespace Tributary.Broker.Cluster;

/// <summary>The two kinds of coordinator a client finds with FindCoordinator (its key type).</summary>
internal enum CoordinatorType : sbyte
{
    /// <summary>A consumer group's coordinator (key: the group id).</summary>
    Group = 0,

    /// <summary>A transactional id's coordinator (key: the transactional id).</summary>
    Transaction = 1,
}

/// <summary>
/// Which broker coordinates each group and transactional id. As in Kafka, where a key's coordinator is the leader of
/// its partition of <c>__consumer_offsets</c> or <c>__transaction_state</c>, a key has a home broker picked by a
/// stable hash over the brokers the cluster started with; while the home is down the next running broker in that
/// order takes over (only the keys of a stopped broker move). A test can move a key elsewhere
/// (<see cref="Move"/>); the move holds while the target runs. The coordinators' state is shared by all
/// brokers, so a move loses nothing: the new coordinator continues where the old one stopped.
/// </summary>
internal sealed class CoordinatorPlacement(ClusterController controller)
{
    private readonly IReadOnlyList<int> _homes = controller.Brokers.Select(b => b.Id).ToList();
    private readonly ConcurrentDictionary<(CoordinatorType, string), int> _moved = new();

    /// <summary>The running broker that coordinates <paramref name="key"/>, or null when no broker runs.</summary>
    public BrokerNode? CoordinatorOf(CoordinatorType type, string key)
    {
        if (_moved.TryGetValue((type, key), out var moved) && controller.Broker(moved) is { IsAlive: true } target) return target;
        // A group's home: its offsets-topic partition (offsets.topic.num.partitions), spread over the brokers.
        var hash = type == CoordinatorType.Group ? StableHash(key) % (uint)controller.Settings.OffsetsTopicPartitions : StableHash(key);
        var start = (int)(hash % (uint)_homes.Count);
        for (var i = 0; i < _homes.Count; i++)
        {
            if (controller.Broker(_homes[(start + i) % _homes.Count]) is { IsAlive: true } home) return home;
        }
        return controller.LiveBrokers.FirstOrDefault(); // every original broker is gone: any added one
    }

    /// <summary>Whether <paramref name="brokerId"/> coordinates <paramref name="key"/> now.</summary>
    public bool IsCoordinator(CoordinatorType type, string key, int brokerId) => CoordinatorOf(type, key)?.Id == brokerId;

    /// <summary>Makes <paramref name="brokerId"/> (which must exist) the coordinator of <paramref name="key"/> while it runs.</summary>
    public void Move(CoordinatorType type, string key, int brokerId) => _moved[(type, key)] = brokerId;

    /// <summary>FNV-1a over the key's UTF-8 bytes: the same key maps to the same broker in every process.</summary>
    private static uint StableHash(string key)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(key)) hash = (hash ^ b) * 16777619u;
        return hash;
    }
}
