using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>The handler of every API the broker serves, looked up by wire key.</summary>
internal sealed class HandlerRegistry
{
    private readonly IApiHandler?[] _byKey;

    public HandlerRegistry(IEnumerable<IApiHandler> handlers)
    {
        All = handlers.OrderBy(h => h.ApiKey).ToList();
        var duplicate = All.GroupBy(h => h.ApiKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two handlers for {duplicate.Key}.", nameof(handlers));
        _byKey = new IApiHandler?[All.Max(h => (int)h.ApiKey) + 1];
        foreach (var handler in All) _byKey[(int)handler.ApiKey] = handler;
    }

    /// <summary>Every handler, in key order (what ApiVersions advertises).</summary>
    public IReadOnlyList<IApiHandler> All { get; }

    /// <summary>The handler for wire key <paramref name="apiKey"/>, if the broker serves that API.</summary>
    public bool TryGet(short apiKey, out IApiHandler handler)
    {
        handler = apiKey >= 0 && apiKey < _byKey.Length ? _byKey[apiKey]! : null!;
        return handler is not null;
    }
}
