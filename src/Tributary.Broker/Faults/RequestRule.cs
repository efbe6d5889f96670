using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Faults;

/// <summary>Which requests a <see cref="RequestRule"/> looks at: every condition set must hold; none set matches every request.</summary>
public sealed record RequestMatch
{
    /// <summary>The API of the request (e.g. <see cref="ApiKey.Produce"/>); null for any.</summary>
    public ApiKey? ApiKey { get; init; }

    /// <summary>The client id in the request header, compared exactly; null for any.</summary>
    public string? ClientId { get; init; }

    /// <summary>A topic the request names (by name or, in newer versions, by topic id); null for any.</summary>
    public string? Topic { get; init; }

    /// <summary>The broker that receives the request; null for any.</summary>
    public int? BrokerId { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (ApiKey is { } api) parts.Add(api.ToString());
        if (ClientId is not null) parts.Add($"client {ClientId}");
        if (Topic is not null) parts.Add($"topic {Topic}");
        if (BrokerId is { } broker) parts.Add($"broker {broker}");
        return parts.Count == 0 ? "any request" : string.Join(", ", parts);
    }
}

/// <summary>What a <see cref="RequestRule"/> does to a request it acts on.</summary>
public enum RequestRuleActionKind
{
    /// <summary>
    /// The broker handles the request, then answers with <see cref="RequestRuleAction.Error"/> in every error-code
    /// field of the response, as a broker failing right after applying it would (so a produce answered with an
    /// error was written: the client's retry is the duplicate that idempotence removes).
    /// </summary>
    Error,

    /// <summary>The request waits <see cref="RequestRuleAction.Delay"/> (on the cluster's clock) before the broker handles it.</summary>
    Delay,

    /// <summary>The broker closes the connection instead of handling the request: the client sees a disconnect and retries.</summary>
    DropConnection,

    /// <summary>The request waits, unhandled, until the test calls <see cref="RequestRule.Release"/> (or removes the rule): a barrier.</summary>
    Hold,
}

/// <summary>What a rule does: build one with <see cref="Fail"/>, <see cref="DelayBy"/>, <see cref="Drop"/> or <see cref="Hold"/>.</summary>
/// <param name="Kind">The kind of action.</param>
/// <param name="Error">The error to answer with (for <see cref="RequestRuleActionKind.Error"/>).</param>
/// <param name="Delay">How long to wait (for <see cref="RequestRuleActionKind.Delay"/>).</param>
public sealed record RequestRuleAction(RequestRuleActionKind Kind, ErrorCode Error = ErrorCode.None, TimeSpan Delay = default)
{
    /// <summary>Answer <paramref name="error"/> (after handling the request).</summary>
    public static RequestRuleAction Fail(ErrorCode error) => new(RequestRuleActionKind.Error, Error: error);

    /// <summary>Wait <paramref name="delay"/> before handling the request.</summary>
    public static RequestRuleAction DelayBy(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero) throw new ArgumentException("The delay cannot be negative.", nameof(delay));
        return new(RequestRuleActionKind.Delay, Delay: delay);
    }

    /// <summary>Close the connection instead of handling the request.</summary>
    public static RequestRuleAction Drop { get; } = new(RequestRuleActionKind.DropConnection);

    /// <summary>Hold the request until <see cref="RequestRule.Release"/>.</summary>
    public static RequestRuleAction Hold { get; } = new(RequestRuleActionKind.Hold);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        RequestRuleActionKind.Error => $"answer {Error}",
        RequestRuleActionKind.Delay => $"delay {Delay.TotalMilliseconds:0.#} ms",
        RequestRuleActionKind.DropConnection => "drop the connection",
        _ => "hold until released",
    };
}

/// <summary>
/// One request rule (see <see cref="RequestControls.AddRule"/>): among the requests that <see cref="Match"/> matches,
/// it acts on the <see cref="Nth"/> and the ones after it, <see cref="Times"/> times in all (or until removed).
/// </summary>
public sealed class RequestRule
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _released = NewGate();
    private TaskCompletionSource _heldChanged = NewGate();
    private int _matched;
    private int _applied;
    private int _held;

    internal RequestRule(long id, RequestMatch match, RequestRuleAction action, int nth, int? times)
    {
        Id = id;
        Match = match;
        Action = action;
        Nth = nth;
        Times = times;
    }

    /// <summary>The rule's id, unique in the cluster (for <see cref="RequestControls.RemoveRule"/>).</summary>
    public long Id { get; }

    /// <summary>Which requests it looks at.</summary>
    public RequestMatch Match { get; }

    /// <summary>What it does.</summary>
    public RequestRuleAction Action { get; }

    /// <summary>It acts from the Nth matching request on (1: from the first).</summary>
    public int Nth { get; }

    /// <summary>How many requests it acts on; null: every one until removed.</summary>
    public int? Times { get; }

    /// <summary>How many requests it matched so far.</summary>
    public int Matched => Volatile.Read(ref _matched);

    /// <summary>How many requests it acted on so far.</summary>
    public int Applied => Volatile.Read(ref _applied);

    /// <summary>How many requests it holds now (for <see cref="RequestRuleActionKind.Hold"/>).</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Whether it acted <see cref="Times"/> times and has nothing more to do.</summary>
    public bool IsExhausted => Times is { } times && Applied >= times;

    /// <summary>Lets every request it holds now go on to be handled. Requests that match later are held again (while the rule acts).</summary>
    public void Release()
    {
        TaskCompletionSource released;
        lock (_lock)
        {
            released = _released;
            _released = NewGate();
        }
        released.TrySetResult();
    }

    /// <summary>Completes once the rule holds at least <paramref name="count"/> requests at the same time.</summary>
    public async Task WaitUntilHeldAsync(int count = 1, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_held >= count) return;
                changed = _heldChanged.Task;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts a matching request; true when the rule acts on it.</summary>
    internal bool Offer()
    {
        lock (_lock)
        {
            if (IsExhausted) return false;
            _matched++;
            if (_matched < Nth) return false;
            _applied++;
            return true;
        }
    }

    /// <summary>Holds a request until <see cref="Release"/> (or cancellation: the connection closed).</summary>
    internal async Task HoldAsync(CancellationToken cancellationToken)
    {
        Task released;
        lock (_lock)
        {
            released = _released.Task;
            _held++;
            SignalHeldChanged();
        }
        try
        {
            await released.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                _held--;
                SignalHeldChanged();
            }
        }
    }

    private void SignalHeldChanged()
    {
        var changed = _heldChanged;
        _heldChanged = NewGate();
        changed.TrySetResult();
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public override string ToString() =>
        $"rule {Id}: {Action} on {Match}{(Nth > 1 ? $" from match {Nth}" : "")}, {(Times is { } t ? $"{t} time(s)" : "until removed")}";
}
