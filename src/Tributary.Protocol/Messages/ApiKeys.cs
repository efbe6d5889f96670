using System.Diagnostics.CodeAnalysis;

namespace Tributary.Protocol.Messages;

/// <summary>The table of APIs the codec implements, and the header versions each API version uses.</summary>
public static partial class ApiKeys
{
    // Both fields are initialised here, in textual order; the generated half only supplies CreateTable.
    private static readonly ApiKeyInfo[] Table = CreateTable();
    private static readonly ApiKeyInfo?[] ByKey = IndexByKey(Table);

    /// <summary>Every API, in key order.</summary>
    public static IReadOnlyList<ApiKeyInfo> All => Table;

    /// <summary>The entry for <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The key is not one the codec implements.</exception>
    public static ApiKeyInfo Get(ApiKey key) =>
        TryGet((short)key, out var info) ? info : throw new ArgumentOutOfRangeException(nameof(key), key, "Unknown API key.");

    /// <summary>Looks up an API by its wire key.</summary>
    public static bool TryGet(short key, [MaybeNullWhen(false)] out ApiKeyInfo info)
    {
        info = key >= 0 && key < ByKey.Length ? ByKey[key] : null;
        return info is not null;
    }

    /// <summary>
    /// The request header version for a request: 2 (with tagged fields) for flexible versions, else 1;
    /// ControlledShutdown v0 alone uses header v0, which has no client id.
    /// </summary>
    public static short RequestHeaderVersion(ApiKey key, short apiVersion)
    {
        if (key == ApiKey.ControlledShutdown && apiVersion == 0) return 0;
        return Get(key).IsFlexible(apiVersion) ? (short)2 : (short)1;
    }

    /// <summary>
    /// The response header version for a response: 1 (with tagged fields) for flexible versions, else 0.
    /// ApiVersions responses always use header v0, so that a client can parse one whatever version it asked for.
    /// </summary>
    public static short ResponseHeaderVersion(ApiKey key, short apiVersion)
    {
        if (key == ApiKey.ApiVersions) return 0;
        return Get(key).IsFlexible(apiVersion) ? (short)1 : (short)0;
    }

    private static ApiKeyInfo?[] IndexByKey(ApiKeyInfo[] table)
    {
        var byKey = new ApiKeyInfo?[table.Max(info => (int)info.Key) + 1];
        foreach (var info in table) byKey[(int)info.Key] = info;
        return byKey;
    }
}
