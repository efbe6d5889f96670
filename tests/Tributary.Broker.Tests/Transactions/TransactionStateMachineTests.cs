using Tributary.Broker.Transactions;
using static Tributary.Broker.Transactions.TransactionState;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>Every pair of states: exactly Kafka's transitions are allowed.</summary>
public class TransactionStateMachineTests
{
    private static readonly HashSet<(TransactionState From, TransactionState To)> Allowed =
    [
        (Empty, Empty), (CompleteCommit, Empty), (CompleteAbort, Empty),
        (Empty, Ongoing), (Ongoing, Ongoing), (CompleteCommit, Ongoing), (CompleteAbort, Ongoing),
        (Ongoing, PrepareCommit),
        (Ongoing, PrepareAbort), (PrepareEpochFence, PrepareAbort),
        (PrepareCommit, CompleteCommit),
        (PrepareAbort, CompleteAbort),
        (Empty, Dead), (CompleteCommit, Dead), (CompleteAbort, Dead),
        (Ongoing, PrepareEpochFence),
    ];

    // States travel by name: the enum is internal, test methods are public.
    public static TheoryData<string, string> AllPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var from in Enum.GetNames<TransactionState>())
            foreach (var to in Enum.GetNames<TransactionState>()) data.Add(from, to);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Only_kafkas_transitions_are_allowed(string fromName, string toName)
    {
        var (from, to) = (Enum.Parse<TransactionState>(fromName), Enum.Parse<TransactionState>(toName));
        Assert.Equal(Allowed.Contains((from, to)), TransactionStates.CanTransition(from, to));
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Metadata_moves_along_allowed_transitions_and_refuses_the_rest(string fromName, string toName)
    {
        var (from, to) = (Enum.Parse<TransactionState>(fromName), Enum.Parse<TransactionState>(toName));
        var metadata = InState(from);
        if (Allowed.Contains((from, to)))
        {
            metadata.TransitionTo(to, DateTimeOffset.UnixEpoch);
            Assert.Equal(to, metadata.State);
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => metadata.TransitionTo(to, DateTimeOffset.UnixEpoch));
            Assert.Equal(from, metadata.State);
        }
    }

    [Fact]
    public void A_completed_transaction_forgets_its_partitions_and_a_new_one_restarts_the_clock()
    {
        var metadata = InState(Ongoing);
        metadata.AddPartitions([new TopicPartition("t", 0), new TopicPartition("__consumer_offsets", 7)]);
        metadata.TransitionTo(PrepareCommit, DateTimeOffset.UnixEpoch);
        Assert.Equal(2, metadata.Partitions.Count);
        metadata.TransitionTo(CompleteCommit, DateTimeOffset.UnixEpoch);
        Assert.Empty(metadata.Partitions);

        var later = DateTimeOffset.UnixEpoch.AddMinutes(5);
        metadata.TransitionTo(Ongoing, later);
        Assert.Equal(later, metadata.StartTime);
    }

    /// <summary>Metadata brought to <paramref name="state"/> along a valid path.</summary>
    private static TransactionMetadata InState(TransactionState state)
    {
        var metadata = new TransactionMetadata("tx", producerId: 1, timeoutMs: 60_000, DateTimeOffset.UnixEpoch);
        TransactionState[] path = state switch
        {
            Empty => [],
            Ongoing => [Ongoing],
            PrepareCommit => [Ongoing, PrepareCommit],
            PrepareAbort => [Ongoing, PrepareAbort],
            CompleteCommit => [Ongoing, PrepareCommit, CompleteCommit],
            CompleteAbort => [Ongoing, PrepareAbort, CompleteAbort],
            Dead => [Dead],
            PrepareEpochFence => [Ongoing, PrepareEpochFence],
            _ => throw new ArgumentOutOfRangeException(nameof(state)),
        };
        foreach (var next in path) metadata.TransitionTo(next, DateTimeOffset.UnixEpoch);
        return metadata;
    }
}
