using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Faults;

/// <summary>
/// Every request the cluster receives passes here before its handler: a test can record requests and responses
/// for assertions, and add rules that act on chosen requests (answer an error, delay, drop the connection, or hold
/// the request until released). Reach it through <see cref="EmbeddedKafkaCluster.Requests"/>.
/// </summary>
/// <remarks>
/// Both are off by default and cost one volatile read per request then. Rules are looked at in the order they were
/// added; every rule that matches a request counts it, and the first one due acts on it (one action per request).
/// </remarks>
public sealed class RequestControls
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> PropertiesByType = new();

    private readonly Lock _lock = new();
    private volatile RequestRule[] _rules = [];
    private long _nextRuleId;
    private volatile RequestRecorder? _recorder;
    private long _responseDelayTicks;

    internal RequestControls()
    {
    }

    /// <summary>
    /// Adds a rule: of the requests that <paramref name="match"/> matches, from the <paramref name="nth"/> on, the next
    /// <paramref name="times"/> ones (every one until <see cref="RemoveRule"/> when null) get <paramref name="action"/>.
    /// </summary>
    /// <example>
    /// <code>
    /// // The third Produce to "orders" answers NOT_LEADER_OR_FOLLOWER once: the client refreshes metadata and retries.
    /// cluster.Requests.AddRule(new RequestMatch { ApiKey = ApiKey.Produce, Topic = "orders" },
    ///     RequestRuleAction.Fail(ErrorCode.NotLeaderOrFollower), nth: 3);
    /// // Hold the next SyncGroup of client "c2" until the test lets it go.
    /// var barrier = cluster.Requests.AddRule(new RequestMatch { ApiKey = ApiKey.SyncGroup, ClientId = "c2" }, RequestRuleAction.Hold);
    /// await barrier.WaitUntilHeldAsync();
    /// barrier.Release();
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException"><paramref name="nth"/> or <paramref name="times"/> is less than 1.</exception>
    public RequestRule AddRule(RequestMatch match, RequestRuleAction action, int nth = 1, int? times = 1)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(action);
        if (nth < 1) throw new ArgumentException("A rule acts from the first matching request (nth 1) or a later one.", nameof(nth));
        if (times is < 1) throw new ArgumentException("A rule acts at least once (or, with null, until removed).", nameof(times));
        lock (_lock)
        {
            var rule = new RequestRule(++_nextRuleId, match, action, nth, times);
            _rules = [.. _rules, rule];
            return rule;
        }
    }

    /// <summary>
    /// Every rule, in the order they apply. A rule that acted its <see cref="RequestRule.Times"/> leaves the list then,
    /// except a hold rule, which stays (so that its held requests can be released) until removed.
    /// </summary>
    public IReadOnlyList<RequestRule> Rules => _rules;

    /// <summary>Removes a rule (requests it holds go on); false when no rule has that id.</summary>
    public bool RemoveRule(long id)
    {
        RequestRule? removed;
        lock (_lock)
        {
            removed = _rules.FirstOrDefault(r => r.Id == id);
            if (removed is null) return false;
            _rules = _rules.Where(r => r.Id != id).ToArray();
        }
        removed.Release();
        return true;
    }

    /// <summary>Removes every rule (held requests go on).</summary>
    public void ClearRules()
    {
        RequestRule[] removed;
        lock (_lock)
        {
            removed = _rules;
            _rules = [];
        }
        foreach (var rule in removed) rule.Release();
    }

    /// <summary>
    /// Starts recording every request and its response, on every broker, keeping the last <paramref name="capacity"/>
    /// (older ones are dropped). Recording again clears what was recorded.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="capacity"/> is less than 1.</exception>
    public void StartRecording(int capacity = 10_000)
    {
        if (capacity < 1) throw new ArgumentException("The recorder keeps at least one request.", nameof(capacity));
        _recorder = new RequestRecorder(capacity);
    }

    /// <summary>Stops recording; what was recorded stays readable until the next <see cref="StartRecording"/>.</summary>
    public void StopRecording() => _recorder?.Stop();

    /// <summary>Whether requests are being recorded.</summary>
    public bool IsRecording => _recorder is { IsRecording: true };

    /// <summary>The recorded requests, oldest first (empty when recording never started).</summary>
    public IReadOnlyList<RecordedRequest> GetRecorded() => _recorder?.Snapshot() ?? [];

    /// <summary>Forgets what was recorded (recording goes on if it was on).</summary>
    public void ClearRecorded() => _recorder?.Clear();

    /// <summary>How long every broker waits before answering a request (<see cref="FaultInjector.ResponseDelay"/>).</summary>
    internal TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set => Interlocked.Exchange(ref _responseDelayTicks, value.Ticks);
    }

    /// <summary>The rule that acts on this request, or null (at once when there are no rules).</summary>
    internal RequestRule? Evaluate(int brokerId, string? clientId, ApiKey apiKey, IKafkaRequest request, Func<Guid, string?> topicName)
    {
        var rules = _rules;
        if (rules.Length == 0) return null;
        HashSet<string>? topics = null;
        foreach (var rule in rules)
        {
            var match = rule.Match;
            if (match.ApiKey is { } api && api != apiKey) continue;
            if (match.BrokerId is { } broker && broker != brokerId) continue;
            if (match.ClientId is { } client && client != clientId) continue;
            if (match.Topic is { } topic && !(topics ??= TopicsOf(request, topicName)).Contains(topic)) continue;
            if (!rule.Offer()) continue;
            if (rule.IsExhausted && rule.Action.Kind != RequestRuleActionKind.Hold) Retire(rule);
            return rule;
        }
        return null;
    }

    private void Retire(RequestRule rule)
    {
        lock (_lock) _rules = _rules.Where(r => r != rule).ToArray();
    }

    /// <summary>Records one request and its outcome, when recording (the caller checks <see cref="IsRecording"/> first, so that nothing is built otherwise).</summary>
    internal void Record(RecordedRequest entry)
    {
        if (_recorder is { IsRecording: true } recorder) recorder.Add(entry);
    }

    /// <summary>
    /// The topics a request names: string fields called Name, Topic or TopicName (and string lists called
    /// TopicNames) inside lists whose name mentions topics, and topic ids resolved to names.
    /// </summary>
    internal static HashSet<string> TopicsOf(object request, Func<Guid, string?> topicName)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        Collect(request, insideTopics: false, topics, topicName, depth: 0);
        return topics;
    }

    private static void Collect(object message, bool insideTopics, HashSet<string> topics, Func<Guid, string?> topicName, int depth)
    {
        if (depth > 4) return;
        foreach (var property in PropertiesByType.GetOrAdd(message.GetType(), t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray()))
        {
            var value = property.GetValue(message);
            switch (value)
            {
                case string name when name.Length > 0 && (property.Name is "Topic" or "TopicName" || (insideTopics && property.Name == "Name")):
                    topics.Add(name);
                    break;
                case Guid id when property.Name == "TopicId" && id != Guid.Empty:
                    if (topicName(id) is { } resolved) topics.Add(resolved);
                    break;
                case IList<string> names when property.Name == "TopicNames":
                    topics.UnionWith(names);
                    break;
                case IList items when value is not string && value is not byte[]:
                    var mentionsTopics = property.Name.Contains("Topic", StringComparison.Ordinal);
                    foreach (var item in items)
                    {
                        if (item is not null && !item.GetType().IsPrimitive && item is not string && item is not ReadOnlyMemory<byte>)
                            Collect(item, mentionsTopics, topics, topicName, depth + 1);
                    }
                    break;
            }
        }
    }

    /// <summary>Sets every <c>ErrorCode</c> field of a generated response, nested ones included.</summary>
    internal static void StampErrorCodes(object message, short error)
    {
        foreach (var property in message.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name == "ErrorCode" && property.PropertyType == typeof(short) && property.CanWrite)
                property.SetValue(message, error);
            else if (property.PropertyType != typeof(string) && property.GetValue(message) is IList items)
                foreach (var item in items)
                    if (item is not null && !item.GetType().IsPrimitive) StampErrorCodes(item, error);
        }
    }

    /// <summary>A bounded ring of recorded requests.</summary>
    private sealed class RequestRecorder(int capacity)
    {
        private readonly Lock _lock = new();
        private readonly Queue<RecordedRequest> _entries = new();
        private volatile bool _recording = true;

        public bool IsRecording => _recording;

        public void Stop() => _recording = false;

        public void Add(RecordedRequest entry)
        {
            lock (_lock)
            {
                if (_entries.Count == capacity) _entries.Dequeue();
                _entries.Enqueue(entry);
            }
        }

        public IReadOnlyList<RecordedRequest> Snapshot()
        {
            lock (_lock) return _entries.ToList();
        }

        public void Clear()
        {
            lock (_lock) _entries.Clear();
        }
    }
}

/// <summary>One request as a broker received it, and what came of it (see <see cref="RequestControls.StartRecording"/>).</summary>
/// <param name="BrokerId">The broker that received it.</param>
/// <param name="ConnectionId">The client connection (unique in the cluster).</param>
/// <param name="ClientId">The client id from the request header.</param>
/// <param name="ApiKey">The API.</param>
/// <param name="ApiVersion">The version of the request.</param>
/// <param name="CorrelationId">The correlation id.</param>
/// <param name="Request">The decoded request.</param>
/// <param name="Response">The response sent, null when none was (acks=0, a dropped connection).</param>
/// <param name="ReceivedAt">When it arrived, on the cluster's clock.</param>
/// <param name="Elapsed">How long the broker took to answer it (wall clock; holds and delays included).</param>
/// <param name="RuleId">The id of the rule that acted on it, or null.</param>
public sealed record RecordedRequest(
    int BrokerId, long ConnectionId, string? ClientId, ApiKey ApiKey, short ApiVersion, int CorrelationId,
    IKafkaRequest Request, IKafkaResponse? Response, DateTimeOffset ReceivedAt, TimeSpan Elapsed, long? RuleId);
