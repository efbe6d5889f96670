using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Broker.Groups;
using Tributary.Protocol;

namespace Tributary.Broker.Tests.Groups;

/// <summary>A coordinator on a manual clock, with helpers that speak for group members.</summary>
internal sealed class GroupTestKit : IDisposable
{
    public const string GroupId = "group";
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan RebalanceTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A coordinator that sees <paramref name="topics"/>, or the kit's own <see cref="Topics"/> list.</summary>
    public GroupTestKit(GroupCoordinatorOptions? options = null, Func<IReadOnlyCollection<TopicMetadata>>? topics = null) =>
        Coordinator = new GroupCoordinator(options ?? new GroupCoordinatorOptions(), Clock, NullLogger.Instance, topics ?? (() => Topics.ToList()));

    /// <summary>The topics consumer groups see (a test adds topics to watch subscriptions pick them up).</summary>
    public List<TopicMetadata> Topics { get; } = [];

    public ManualTimeProvider Clock { get; } = new();
    public GroupCoordinator Coordinator { get; }

    public static IReadOnlyList<GroupProtocol> Range(params string[] topics) => [new("range", Subscription(topics.Length == 0 ? ["topic"] : topics))];

    public static JoinGroupCommand JoinCommand(string memberId = "", string? instanceId = null, IReadOnlyList<GroupProtocol>? protocols = null,
        string clientId = "client", bool requireKnownMemberId = false, bool supportsSkipAssignment = false) => new()
        {
            GroupId = GroupId,
            MemberId = memberId,
            GroupInstanceId = instanceId,
            ClientId = clientId,
            ClientHost = "/127.0.0.1",
            SessionTimeout = SessionTimeout,
            RebalanceTimeout = RebalanceTimeout,
            ProtocolType = "consumer",
            Protocols = protocols ?? Range(),
            RequireKnownMemberId = requireKnownMemberId,
            SupportsSkipAssignment = supportsSkipAssignment,
        };

    public Task<JoinGroupResult> JoinAsync(JoinGroupCommand command) => Coordinator.JoinGroupAsync(command, CancellationToken.None);

    public Task<JoinGroupResult> JoinAsync(string memberId = "", string? instanceId = null, IReadOnlyList<GroupProtocol>? protocols = null) =>
        JoinAsync(JoinCommand(memberId, instanceId, protocols));

    public Task<SyncGroupResult> SyncAsync(JoinGroupResult joined, IReadOnlyDictionary<string, byte[]>? assignments = null) =>
        Coordinator.SyncGroupAsync(new SyncGroupCommand
        {
            GroupId = GroupId,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            Assignments = assignments ?? new Dictionary<string, byte[]>(),
        }, CancellationToken.None);

    public ErrorCode Heartbeat(JoinGroupResult joined, string? instanceId = null) =>
        Coordinator.Heartbeat(new HeartbeatCommand(GroupId, joined.GenerationId, joined.MemberId, instanceId));

    /// <summary>Joins the given number of dynamic members one by one (each join rebalances), then syncs them: a stable group.</summary>
    public async Task<IReadOnlyList<JoinGroupResult>> StableGroupAsync(int memberCount, Func<int, string?>? instanceIds = null)
    {
        IReadOnlyList<JoinGroupResult> joined = [];
        for (var i = 0; i < memberCount; i++)
        {
            var rejoins = joined.Select((member, index) => JoinAsync(member.MemberId, instanceIds?.Invoke(index)));
            var newcomer = JoinAsync(instanceId: instanceIds?.Invoke(i));
            joined = await WithinPatience(Task.WhenAll(rejoins.Append(newcomer)));
        }
        var leader = joined.Single(member => member.MemberId == member.LeaderId);
        var followerSyncs = joined.Where(member => member != leader).Select(member => SyncAsync(member)).ToList();
        await WithinPatience(SyncAsync(leader, joined.ToDictionary(member => member.MemberId, member => AssignmentOf(member.MemberId))));
        await WithinPatience(Task.WhenAll(followerSyncs));
        return joined;
    }

    public static byte[] AssignmentOf(string memberId) => Encoding.UTF8.GetBytes("assignment of " + memberId);

    public static async Task<T> WithinPatience<T>(Task<T> task) => await task.WaitAsync(Patience);

    public static async Task<T[]> WithinPatience<T>(Task<T[]> task) => await task.WaitAsync(Patience);

    /// <summary>Consumer protocol subscription metadata, version 0: the topics and null user data.</summary>
    public static byte[] Subscription(params string[] topics)
    {
        var bytes = new List<byte>();
        void Int16(short value) { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, value); bytes.AddRange(b); }
        void Int32(int value) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, value); bytes.AddRange(b); }
        Int16(0);
        Int32(topics.Length);
        foreach (var topic in topics)
        {
            Int16((short)Encoding.UTF8.GetByteCount(topic));
            bytes.AddRange(Encoding.UTF8.GetBytes(topic));
        }
        Int32(-1);
        return bytes.ToArray();
    }

    public GroupDescription Describe() => Coordinator.DescribeGroups([GroupId]).Single();

    public void Dispose() => Coordinator.Dispose();
}
