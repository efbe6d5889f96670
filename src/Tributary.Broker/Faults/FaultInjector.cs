using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Faults;

/// <summary>
/// The two oldest fault controls, kept as conveniences over <see cref="RequestControls"/>: answer the next requests
/// of an API with an error, or answer every request late. Reach it through <see cref="EmbeddedKafkaCluster.Faults"/>.
/// </summary>
/// <remarks>
/// An injected error is reported after the broker did the work, as when a broker fails right after
/// applying a request: the client sees the error in every error-code field of the response and reacts as it
/// would to the real thing (rejoin after UNKNOWN_MEMBER_ID, give up after FENCED_INSTANCE_ID, and so on).
/// </remarks>
public sealed class FaultInjector
{
    private readonly RequestControls _requests;
    private readonly Lock _lock = new();
    private readonly List<long> _ruleIds = [];

    /// <summary>Fault controls over <paramref name="requests"/>.</summary>
    internal FaultInjector(RequestControls requests) => _requests = requests;

    /// <summary>How long every broker waits before answering a request (on the cluster's clock); zero (the default) answers at once.</summary>
    public TimeSpan ResponseDelay
    {
        get => _requests.ResponseDelay;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _requests.ResponseDelay = value;
        }
    }

    /// <summary>
    /// Makes the next <paramref name="count"/> requests of <paramref name="apiKey"/>, on any broker, answer
    /// <paramref name="error"/>: one <see cref="RequestRule"/> acting <paramref name="count"/> times, after the rules
    /// added before it.
    /// </summary>
    public void FailNextRequests(ApiKey apiKey, ErrorCode error, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var rule = _requests.AddRule(new RequestMatch { ApiKey = apiKey }, RequestRuleAction.Fail(error), times: count);
        lock (_lock) _ruleIds.Add(rule.Id);
    }

    /// <summary>Forgets the errors <see cref="FailNextRequests"/> still has pending and answers without delay again.</summary>
    public void Clear()
    {
        long[] ids;
        lock (_lock)
        {
            ids = _ruleIds.ToArray();
            _ruleIds.Clear();
        }
        foreach (var id in ids) _requests.RemoveRule(id);
        ResponseDelay = TimeSpan.Zero;
    }
}
