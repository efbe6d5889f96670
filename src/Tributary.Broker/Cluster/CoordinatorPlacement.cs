using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tributary.Protocol;

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
/// Which broker coordinates each group and transactional id, as in Kafka: the leader of the key's partition of
/// <c>__consumer_offsets</c> (groups) or <c>__transaction_state</c> (transactional ids), partition
/// <c>abs(key.hashCode()) % partitions</c> with Java's <c>String.hashCode</c>. The topic is created on first use, as
/// Kafka creates it on the first FindCoordinator. When a partition gets a new leader, the coordinator of that type
/// loads the partition's state by replaying the new leader's replica of the log (registered with
/// <see cref="OnLoad"/>); until then the leader answers COORDINATOR_LOAD_IN_PROGRESS and the other brokers
/// NOT_COORDINATOR.
/// </summary>
internal sealed class CoordinatorPlacement
{
    /// <summary>The offsets topic, which holds the groups' committed offsets and metadata.</summary>
    public const string OffsetsTopic = "__consumer_offsets";

    /// <summary>The transaction state topic, which holds every transactional id's state.</summary>
    public const string TransactionStateTopic = "__transaction_state";

    private readonly ClusterController _controller;
    private readonly ILogger _logger;
    private readonly Lock _createLock = new();
    // The leader epoch each internal partition was last loaded at, and the loads under way.
    private readonly ConcurrentDictionary<(CoordinatorType, int), int> _loadedEpochs = new();
    private readonly ConcurrentDictionary<(CoordinatorType, int), Task> _loading = new();
    private readonly ConcurrentDictionary<CoordinatorType, Action<PartitionState, PartitionLeadership, int>> _loaders = new();
    // The partition count keys are hashed over, per internal topic (by id): the count it had when first used. Kafka's
    // coordinators fix it when they start, so partitions an admin adds later (CreatePartitions) stay unused.
    private readonly ConcurrentDictionary<CoordinatorType, (Guid TopicId, int Count)> _hashedCounts = new();
    // The internal topics (by id) a request may use as they are: those created here once their partitions count as
    // loaded, and those found existing. A topic is visible in the controller from its creation, before that.
    private readonly ConcurrentDictionary<Guid, bool> _ready = new();

    public CoordinatorPlacement(ClusterController controller, ILogger logger)
    {
        _controller = controller;
        _logger = logger;
        controller.LeaderElected += partition =>
        {
            if (TypeOfTopic(partition.Topic) is { } type) StartLoad(type, partition);
        };
    }

    /// <summary>
    /// Registers how the coordinator of <paramref name="type"/> loads one partition of its topic when its broker
    /// becomes the leader: it drops what it held for the partition and replays the leader's log (the leadership it
    /// loads for and the topic's partition count are given; appends at an older epoch fail, so a stale load cannot write).
    /// </summary>
    public void OnLoad(CoordinatorType type, Action<PartitionState, PartitionLeadership, int> load) => _loaders[type] = load;

    /// <summary>The internal topic of <paramref name="type"/>.</summary>
    public static string TopicOf(CoordinatorType type) => type == CoordinatorType.Group ? OffsetsTopic : TransactionStateTopic;

    /// <summary>Kafka's partition for a key: <c>Utils.abs(key.hashCode()) % partitions</c>, with Java's String.hashCode over UTF-16 code units.</summary>
    public static int PartitionFor(string key, int partitions)
    {
        var hash = 0;
        foreach (var c in key) hash = unchecked((31 * hash) + c);
        // Utils.abs maps int.MinValue to 0 rather than overflowing.
        var abs = hash == int.MinValue ? 0 : Math.Abs(hash);
        return abs % partitions;
    }

    /// <summary>The partition of the internal topic that holds <paramref name="key"/>, creating the topic on first use (null when no broker runs).</summary>
    public PartitionState? PartitionOf(CoordinatorType type, string key) => PartitionOf(type, key, out _);

    /// <summary>The partition of the internal topic that holds <paramref name="key"/>, and that topic (for its configs).</summary>
    public PartitionState? PartitionOf(CoordinatorType type, string key, out TopicState? topic)
    {
        topic = Topic(type);
        return topic?.Partition(PartitionFor(key, PartitionCount(type, topic)));
    }

    /// <summary>
    /// How many partitions of <paramref name="topic"/>, the internal topic of <paramref name="type"/>, keys are spread
    /// over: the count it had when first used (partitions added since hold no key, as in Kafka).
    /// </summary>
    public int PartitionCount(CoordinatorType type, TopicState topic) =>
        _hashedCounts.TryGetValue(type, out var pinned) && pinned.TopicId == topic.Id ? pinned.Count : _hashedCounts.AddOrUpdate(type, _ => (topic.Id, topic.Partitions.Count),
            (_, pinned) => pinned.TopicId == topic.Id ? pinned : (topic.Id, topic.Partitions.Count)).Count;

    /// <summary>The running broker that coordinates <paramref name="key"/>: the leader of its partition, or null when it has none.</summary>
    public BrokerNode? CoordinatorOf(CoordinatorType type, string key) =>
        PartitionOf(type, key)?.Leadership.Leader is var leader and >= 0 && _controller.Broker(leader.Value) is { IsAlive: true } broker ? broker : null;

    /// <summary>
    /// NONE when <paramref name="brokerId"/> coordinates <paramref name="key"/> and has loaded its partition;
    /// COORDINATOR_LOAD_IN_PROGRESS while it loads; NOT_COORDINATOR when another broker (or none) leads the partition.
    /// </summary>
    public ErrorCode Check(CoordinatorType type, string key, int brokerId)
    {
        if (PartitionOf(type, key) is not { } partition) return ErrorCode.CoordinatorNotAvailable;
        var leadership = partition.Leadership;
        if (leadership.Leader != brokerId) return ErrorCode.NotCoordinator;
        if (IsLoaded(type, partition, leadership)) return ErrorCode.None;
        StartLoad(type, partition);
        return ErrorCode.CoordinatorLoadInProgress;
    }

    /// <summary>Whether the coordinator of <paramref name="type"/> loaded <paramref name="partition"/> at <paramref name="leadership"/>'s epoch.</summary>
    public bool IsLoaded(CoordinatorType type, PartitionState partition, PartitionLeadership leadership) =>
        _loadedEpochs.TryGetValue((type, partition.Index), out var epoch) && epoch == leadership.LeaderEpoch;

    /// <summary>
    /// Makes <paramref name="brokerId"/> the coordinator of <paramref name="key"/>: the leader of the key's partition
    /// moves there, and that broker loads the partition from its replica.
    /// </summary>
    public ControllerResult Move(CoordinatorType type, string key, int brokerId) =>
        PartitionOf(type, key) is { } partition
            ? _controller.MoveLeader(partition, brokerId)
            : ControllerResult.Fail(ErrorCode.CoordinatorNotAvailable, "No broker is running.");

    /// <summary>Waits until the coordinator of <paramref name="key"/> has loaded its partition at the current leader epoch.</summary>
    public async Task WaitLoadedAsync(CoordinatorType type, string key, CancellationToken cancellationToken)
    {
        while (PartitionOf(type, key) is { } partition && partition.Leadership is { Leader: >= 0 } leadership && !IsLoaded(type, partition, leadership))
        {
            StartLoad(type, partition);
            if (_loading.TryGetValue((type, partition.Index), out var load)) await load.WaitAsync(cancellationToken).ConfigureAwait(false);
            else await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The internal topic of <paramref name="type"/>, created on first use; null when no broker runs. A request that
    /// finds the topic while another is creating it waits for the creation to finish: until then its partitions do not
    /// count as loaded, and the coordinator would answer COORDINATOR_LOAD_IN_PROGRESS.
    /// </summary>
    public TopicState? Topic(CoordinatorType type)
    {
        var name = TopicOf(type);
        if (_controller.TryGetTopic(name, out var topic) && _ready.ContainsKey(topic.Id)) return topic;
        lock (_createLock)
        {
            if (!_controller.TryGetTopic(name, out topic))
            {
                var settings = _controller.Settings;
                var (partitions, replicationFactor) = type == CoordinatorType.Group
                    ? (settings.OffsetsTopicPartitions, settings.OffsetsTopicReplicationFactor)
                    : (settings.TransactionStateLogPartitions, settings.TransactionStateLogReplicationFactor);
                topic = _controller.CreateInternalTopic(name, partitions, replicationFactor);
                if (topic is null) return null;
                PartitionCount(type, topic);
                // A new topic has nothing to load: every partition is ready at its first leader epoch.
                foreach (var partition in topic.Partitions) _loadedEpochs[(type, partition.Index)] = partition.Leadership.LeaderEpoch;
            }
            _ready[topic.Id] = true;
            return topic;
        }
    }

    /// <summary>The coordinator whose internal topic <paramref name="topic"/> is, or null for any other topic.</summary>
    public static CoordinatorType? TypeOfTopic(string topic) => topic switch
    {
        OffsetsTopic => CoordinatorType.Group,
        TransactionStateTopic => CoordinatorType.Transaction,
        _ => null,
    };

    /// <summary>Loads the partition on the thread pool (never under the controller's lock), once per leader epoch.</summary>
    private void StartLoad(CoordinatorType type, PartitionState partition)
    {
        var slot = (type, partition.Index);
        if (_loading.ContainsKey(slot)) return;
        var load = new Task(() =>
        {
            try
            {
                // Leadership may move again while loading: load until the epoch loaded is the current one.
                while (partition.Leadership is { Leader: >= 0 } leadership && !IsLoaded(type, partition, leadership))
                {
                    var partitions = _controller.TryGetTopic(partition.Topic, out var topic) ? PartitionCount(type, topic) : 0;
                    if (_loaders.TryGetValue(type, out var loader)) loader(partition, leadership, partitions);
                    _loadedEpochs[slot] = leadership.LeaderEpoch;
                }
            }
            catch (Exception e)
            {
                // The partition stays unloaded (its coordinator answers COORDINATOR_LOAD_IN_PROGRESS); the next request retries.
                _logger.LogError(e, "Loading partition {Partition} of {Topic} failed", partition.Index, partition.Topic);
            }
            finally
            {
                _loading.TryRemove(slot, out _);
            }
        });
        if (_loading.TryAdd(slot, load)) load.Start(TaskScheduler.Default);
    }
}
