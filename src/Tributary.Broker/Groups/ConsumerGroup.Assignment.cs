using System.Text.RegularExpressions;

namespace Tributary.Broker.Groups;

/// <summary>Subscriptions, subscribed topic metadata and the target assignment.</summary>
internal sealed partial class ConsumerGroup
{
    /// <summary>
    /// Bumps the group epoch once when <paramref name="memberChange"/> says why (a member joined or changed its
    /// subscription) or when the subscribed topics changed (created, deleted, more partitions, newly matching a
    /// member's regular expression), then computes the target assignment if the group epoch moved past it.
    /// </summary>
    private void RefreshAssignment(IReadOnlyCollection<TopicMetadata> topics, string? memberChange = null)
    {
        var subscribed = _members.Values
            .SelectMany(member => SubscribedTopics(member, topics))
            .DistinctBy(topic => topic.Id)
            .ToDictionary(topic => topic.Id);
        if (subscribed.Count != _subscribedTopics.Count || subscribed.Any(topic => _subscribedTopics.GetValueOrDefault(topic.Key) != topic.Value))
        {
            _subscribedTopics = subscribed;
            memberChange ??= "the subscribed topics changed";
        }
        if (memberChange is not null)
            BumpGroupEpoch(memberChange);
        if (GroupEpoch > AssignmentEpoch)
            ComputeTargetAssignment();
    }

    private void ComputeTargetAssignment()
    {
        var assignor = ChooseAssignor();
        var members = _members.Values.Select(member => new AssignorMember(
                member.MemberId,
                member.InstanceId,
                SubscribedTopics(member, _subscribedTopics.Values).Select(topic => topic.Id).ToHashSet(),
                _target.GetValueOrDefault(member.MemberId, Assignments.None)))
            .ToList();
        var target = assignor.Assign(members, _subscribedTopics);
        _target.Clear();
        foreach (var (memberId, partitions) in target)
            _target[memberId] = partitions;
        AssignmentEpoch = GroupEpoch;
        AssignorName = assignor.Name;
        GroupLog.TargetAssignmentComputed(_logger, GroupId, AssignmentEpoch, assignor.Name, _members.Count, _subscribedTopics.Count);
    }

    /// <summary>The assignor most members ask for (ties and no wishes: the broker's first configured one), as Kafka picks it.</summary>
    private IConsumerGroupAssignor ChooseAssignor()
    {
        var configured = _options.ConsumerAssignors;
        var wished = _members.Values
            .Where(m => m.ServerAssignor is not null && configured.Contains(m.ServerAssignor))
            .GroupBy(m => m.ServerAssignor!)
            .OrderByDescending(votes => votes.Count())
            .ThenBy(votes => configured.ToList().IndexOf(votes.Key))
            .Select(votes => votes.Key)
            .FirstOrDefault();
        return ConsumerGroupAssignors.Known[wished ?? configured[0]];
    }

    /// <summary>The topics a member subscribes to: its names that exist, and every non-internal topic its regular expression matches in full.</summary>
    private IEnumerable<TopicMetadata> SubscribedTopics(ConsumerGroupMember member, IEnumerable<TopicMetadata> topics)
    {
        var regex = member.SubscribedTopicRegex is { } pattern ? SubscriptionRegex(pattern) : null;
        return topics.Where(topic => member.SubscribedTopicNames.Contains(topic.Name)
            || (regex is not null && !IsInternal(topic.Name) && regex.IsMatch(topic.Name)));
    }

    private readonly Dictionary<string, Regex> _regexes = new(StringComparer.Ordinal);

    private Regex SubscriptionRegex(string pattern)
    {
        if (!_regexes.TryGetValue(pattern, out var regex))
            _regexes[pattern] = regex = ConsumerGroupHeartbeatValidation.CompileSubscription(pattern)!;
        return regex;
    }

    private static bool IsInternal(string topic) => topic is "__consumer_offsets" or "__transaction_state";
}
