using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Tributary.Broker.Tests.Groups.Integration;

/// <summary>
/// A real Confluent.Kafka consumer in a group, polled on its own thread (librdkafka consumers are used from
/// one thread), recording what it receives and the partitions it was assigned. With
/// <see cref="GroupProtocol.Consumer"/> (KIP-848) the callbacks are incremental: they name only the partitions
/// added or revoked, so the assignment is kept as a set both ways.
/// </summary>
internal sealed class GroupConsumer : IDisposable
{
    private readonly IConsumer<string, string> _consumer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _pollThread;
    private volatile IReadOnlyList<TopicPartition> _assignment = [];
    private volatile Exception? _failure;
    private int _assignmentCount;
    private readonly ConcurrentQueue<Loss> _losses = new();
    private readonly ConcurrentQueue<(int Partition, long Offset)> _commits = new();

    public GroupConsumer(string bootstrapServers, string groupId, string topic, string name, string? instanceId = null,
        GroupProtocol protocol = GroupProtocol.Classic, string? topicRegex = null, bool autoCommit = false)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            ClientId = name,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Auto-commit also commits what was read before partitions are revoked, so a successor resumes there.
            EnableAutoCommit = autoCommit,
            AutoCommitIntervalMs = 200,
            GroupInstanceId = instanceId,
            GroupProtocol = protocol,
        };
        // The new protocol refuses the classic protocol's client-side settings: the broker decides them.
        if (protocol == GroupProtocol.Classic)
        {
            config.SessionTimeoutMs = 6000;
            config.HeartbeatIntervalMs = 250;
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range;
        }
        _consumer = new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                _assignment = _assignment.Union(partitions).ToList();
                Interlocked.Increment(ref _assignmentCount);
            })
            .SetOffsetsCommittedHandler((_, committed) =>
            {
                foreach (var offset in committed.Offsets.Where(o => !o.Error.IsError && o.Offset.Value >= 0))
                    _commits.Enqueue((offset.Partition.Value, offset.Offset.Value));
            })
            .SetPartitionsRevokedHandler((_, partitions) => _assignment = _assignment.Except(partitions.Select(p => p.TopicPartition)).ToList())
            .SetPartitionsLostHandler((_, partitions) =>
            {
                _losses.Enqueue(new Loss(Received.Count, partitions.Select(p => p.Partition.Value).ToHashSet()));
                _assignment = [];
            })
            .Build();
        _consumer.Subscribe(topicRegex ?? topic);
        _pollThread = new Thread(Poll) { IsBackground = true, Name = name };
        _pollThread.Start();
    }

    /// <summary>Every record received, in order of arrival.</summary>
    public ConcurrentQueue<ConsumeResult<string, string>> Received { get; } = new();

    /// <summary>
    /// Each time the member lost its assignment (fenced, or its session expired): Kafka commits nothing for a lost
    /// assignment, so what the member read of those partitions since its last commit is read again by the next owner.
    /// </summary>
    public IReadOnlyCollection<Loss> Losses => _losses;

    /// <summary>
    /// Whether an acknowledged commit of this member moved <paramref name="partition"/>'s committed offset back over
    /// <paramref name="offset"/>: librdkafka retries an auto-commit whose connection broke, so an older commit can land
    /// after a newer one (Kafka orders requests per connection only), and the next owner reads again from there.
    /// </summary>
    public bool CommitWentBackOver(int partition, long offset)
    {
        var highest = -1L;
        foreach (var commit in _commits.Where(c => c.Partition == partition))
        {
            if (commit.Offset <= offset && offset < highest)
                return true;
            highest = Math.Max(highest, commit.Offset);
        }
        return false;
    }

    /// <summary>The partitions currently assigned, as the last rebalance callback saw them.</summary>
    public IReadOnlyList<TopicPartition> Assignment => _failure is null ? _assignment : throw new InvalidOperationException("The poll loop failed.", _failure);

    /// <summary>The partition numbers currently assigned.</summary>
    public ISet<int> Partitions => Assignment.Select(tp => tp.Partition.Value).ToHashSet();

    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test after <paramref name="patience"/>.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan patience)
    {
        using var deadline = new CancellationTokenSource(patience);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
                Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(50);
        }
    }

    /// <summary>The member id the group gave (or, with the new protocol, the client chose).</summary>
    public string MemberId => _consumer.MemberId;

    /// <summary>How many times partitions were assigned: one per rebalance the member took part in.</summary>
    public int AssignmentCount => Volatile.Read(ref _assignmentCount);

    /// <summary>Commits explicit offsets (the next offset to read per partition) and waits for the answer.</summary>
    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => _consumer.Commit(offsets);

    /// <summary>The group's committed offsets for the partitions, read with OffsetFetch.</summary>
    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions) => _consumer.Committed(partitions, TimeSpan.FromSeconds(10));

    private void Poll()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (_consumer.Consume(TimeSpan.FromMilliseconds(50)) is { IsPartitionEOF: false } result)
                    Received.Enqueue(result);
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    /// <summary>Stops polling and closes the consumer: a dynamic member leaves the group (LeaveGroup), a static one does not.</summary>
    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
            return;
        _stop.Cancel();
        _pollThread.Join();
        _consumer.Close();
        _consumer.Dispose();
    }

    /// <summary>Stops polling and destroys the consumer without closing it: it neither leaves nor heartbeats, as if its process died.</summary>
    public void Crash()
    {
        _stop.Cancel();
        _pollThread.Join();
        _consumer.Dispose();
    }
}

/// <summary>An assignment a member lost: the partitions, and how many records it had received when it lost them.</summary>
/// <param name="ReceivedBefore">The count of <see cref="GroupConsumer.Received"/> when the loss was reported: the records read before it.</param>
/// <param name="Partitions">The partition numbers lost.</param>
internal sealed record Loss(int ReceivedBefore, IReadOnlySet<int> Partitions);
