namespace Tributary.Broker.Cluster;

/// <summary>
/// The values Kafka 3.x accepts for the deprecated topic config message.format.version: a release ("0.10.2",
/// "2.8"), a release with an internal version ("0.11.0-IV2", "3.0-IV1"), or a longer form of a release whose
/// extra segments Kafka ignores ("0.10.2.1", "2.8.1").
/// </summary>
/// <remarks>
/// From inter-broker protocol 3.0 (which the embedded cluster always is) Kafka ignores the value and stores every
/// batch in format 2; old clients are served by converting on produce and fetch. So the config is only accepted,
/// validated and described, as Kafka 3.x does. Kafka 4 removed it.
/// </remarks>
internal static class MessageFormatVersion
{
    /// <summary>Kafka 3.x's default, the format every batch is stored in anyway.</summary>
    public const string Default = "3.0-IV1";

    // Each release with the number of internal versions it had (0: the release name has none).
    private static readonly (string Release, int InternalVersions)[] Releases =
    [
        ("0.8.0", 0), ("0.8.1", 0), ("0.8.2", 0), ("0.9.0", 0), ("0.10.0", 2), ("0.10.1", 3), ("0.10.2", 1), ("0.11.0", 3),
        ("1.0", 1), ("1.1", 1), ("2.0", 2), ("2.1", 3), ("2.2", 2), ("2.3", 2), ("2.4", 2), ("2.5", 1), ("2.6", 1), ("2.7", 3), ("2.8", 2),
        ("3.0", 2), ("3.1", 1), ("3.2", 1), ("3.3", 4), ("3.4", 1), ("3.5", 3), ("3.6", 3), ("3.7", 5), ("3.8", 1), ("3.9", 1),
    ];

    private static readonly HashSet<string> Known = Releases
        .SelectMany(r => Enumerable.Range(0, r.InternalVersions).Select(i => $"{r.Release}-IV{i}").Append(r.Release))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>True when Kafka 3.x would accept <paramref name="value"/> as a message format version.</summary>
    public static bool IsValid(string value)
    {
        // Kafka keeps three segments of a 0.x version and two of later ones, dropping the rest (a patch release).
        var segments = value.Split('.');
        var kept = value.StartsWith("0.", StringComparison.Ordinal) ? 3 : 2;
        var key = segments.Length <= kept ? value : string.Join('.', segments[..kept]);
        return Known.Contains(key);
    }
}
