using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Faults;

/// <summary>
/// Lets a test make the cluster misbehave the way a real one does under failure: answer the next requests of
/// an API with an error, or answer every request late. Reach it through <see cref="EmbeddedKafkaCluster.Faults"/>.
/// </summary>
/// <remarks>
/// An injected error is reported after the broker did the work, as when a broker fails right after
/// applying a request: the client sees the error in every error-code field of the response and reacts as it
/// would to the real thing (rejoin after UNKNOWN_MEMBER_ID, give up after FENCED_INSTANCE_ID, and so on).
/// </remarks>
public sealed class FaultInjector
{
    private readonly ConcurrentDictionary<ApiKey, ConcurrentQueue<ErrorCode>> _pendingErrors = new();
    private long _responseDelayTicks;

    /// <summary>How long every broker waits before answering a request; zero (the default) answers at once.</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _responseDelayTicks, value.Ticks);
        }
    }

    /// <summary>Makes the next <paramref name="count"/> requests of <paramref name="apiKey"/>, on any broker, answer <paramref name="error"/>.</summary>
    public void FailNextRequests(ApiKey apiKey, ErrorCode error, int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var queue = _pendingErrors.GetOrAdd(apiKey, _ => new ConcurrentQueue<ErrorCode>());
        for (var i = 0; i < count; i++) queue.Enqueue(error);
    }

    /// <summary>Forgets every pending error and answers without delay again.</summary>
    public void Clear()
    {
        _pendingErrors.Clear();
        ResponseDelay = TimeSpan.Zero;
    }

    /// <summary>Applies the faults due for one answered request: waits out the delay and stamps a pending error.</summary>
    internal async ValueTask ApplyAsync(ApiKey apiKey, IKafkaResponse? response, TimeProvider time, CancellationToken cancellationToken)
    {
        var delay = ResponseDelay;
        if (delay > TimeSpan.Zero) await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        if (response is not null && _pendingErrors.TryGetValue(apiKey, out var queue) && queue.TryDequeue(out var error))
            StampErrorCodes(response, (short)error);
    }

    /// <summary>Sets every <c>ErrorCode</c> field of a generated response, nested ones included.</summary>
    private static void StampErrorCodes(object message, short error)
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
}
