using System.Text.RegularExpressions;
using Tributary.Protocol;

namespace Tributary.Broker.Groups;

/// <summary>Kafka's checks of a ConsumerGroupHeartbeat before any group is touched, with its error messages.</summary>
internal static class ConsumerGroupHeartbeatValidation
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The error (INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, INVALID_REGULAR_EXPRESSION) and its message, or None.</summary>
    public static (ErrorCode Error, string? Message) Check(ConsumerGroupHeartbeatCommand heartbeat, IReadOnlyList<string> assignors)
    {
        if (heartbeat.GroupId.Length == 0)
            return Invalid("GroupId can't be empty.");
        if (heartbeat.InstanceId is "")
            return Invalid("InstanceId can't be empty.");
        if (heartbeat.RackId is "")
            return Invalid("RackId can't be empty.");
        if (heartbeat.ClientGeneratesMemberId && heartbeat.MemberId.Length == 0)
            return Invalid("MemberId can't be empty.");
        switch (heartbeat.MemberEpoch)
        {
            case > 0 or ConsumerGroupHeartbeatCommand.LeaveEpoch when heartbeat.MemberId.Length == 0:
                return Invalid("MemberId can't be empty.");
            case > 0 or ConsumerGroupHeartbeatCommand.LeaveEpoch:
                break;
            case ConsumerGroupHeartbeatCommand.JoinEpoch when heartbeat.RebalanceTimeout is null:
                return Invalid("RebalanceTimeoutMs must be provided in first request.");
            case ConsumerGroupHeartbeatCommand.JoinEpoch when heartbeat.OwnedPartitions is not { Count: 0 }:
                return Invalid("TopicPartitions must be empty when (re-)joining.");
            case ConsumerGroupHeartbeatCommand.JoinEpoch when heartbeat.SubscribedTopicNames is null && heartbeat.SubscribedTopicRegex is null:
                return Invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
            case ConsumerGroupHeartbeatCommand.JoinEpoch:
                break;
            case ConsumerGroupHeartbeatCommand.StaticLeaveEpoch when heartbeat.MemberId.Length == 0:
                return Invalid("MemberId can't be empty.");
            case ConsumerGroupHeartbeatCommand.StaticLeaveEpoch when heartbeat.InstanceId is null:
                return Invalid("InstanceId can't be null.");
            case ConsumerGroupHeartbeatCommand.StaticLeaveEpoch:
                break;
            default:
                return Invalid("MemberEpoch is invalid.");
        }
        if (heartbeat.ServerAssignor is { } assignor && !assignors.Contains(assignor))
            return (ErrorCode.UnsupportedAssignor, $"ServerAssignor {assignor} is not supported. Supported assignors: {string.Join(", ", assignors)}.");
        if (heartbeat.SubscribedTopicRegex is { Length: > 0 } pattern && CompileSubscription(pattern) is null)
            return (ErrorCode.InvalidRegularExpression, $"SubscribedTopicRegex `{pattern}` is not a valid regular expression.");
        return (ErrorCode.None, null);
    }

    /// <summary>
    /// The subscription's regular expression, matched against whole topic names as Kafka's RE2/J does; null when
    /// it is invalid. The non-backtracking engine accepts RE2's syntax (no backreferences, no lookaround) and,
    /// like RE2, runs in linear time, so a member cannot stall the coordinator with a pathological pattern.
    /// </summary>
    public static Regex? CompileSubscription(string pattern)
    {
        try
        {
            return new Regex($"^(?:{pattern})$", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static (ErrorCode, string?) Invalid(string message) => (ErrorCode.InvalidRequest, message);
}
