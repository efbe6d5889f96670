namespace Tributary.Protocol.Messages;

/// <summary>
/// Describes a generated property as the Kafka definition declares it: the versions it exists in, where it may
/// be null, and whether it is tagged. Version ranges use the definitions' spelling ("3+", "0-7", "none").
/// </summary>
/// <remarks>Lets tools and tests reason about a message's fields without the JSON definitions.</remarks>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class KafkaFieldAttribute(string versions) : Attribute
{
    /// <summary>Versions in which the field exists.</summary>
    public string Versions { get; } = versions;

    /// <summary>Versions in which the field may be null ("none" when never).</summary>
    public string NullableVersions { get; set; } = "none";

    /// <summary>The tag of a tagged field, or -1.</summary>
    public int Tag { get; set; } = -1;

    /// <summary>Versions in which the field is tagged ("none" when never).</summary>
    public string TaggedVersions { get; set; } = "none";

    /// <summary>A per-field override of the message's flexible versions, or null.</summary>
    public string? FlexibleVersions { get; set; }

    /// <summary>Whether a non-default value may be silently dropped when writing a version without the field.</summary>
    public bool Ignorable { get; set; }

    /// <summary>True when the field exists in <paramref name="version"/>.</summary>
    public bool ExistsIn(short version) => InRange(Versions, version);

    /// <summary>True when the field may be null in <paramref name="version"/>.</summary>
    public bool IsNullableIn(short version) => ExistsIn(version) && InRange(NullableVersions, version);

    /// <summary>True when the field is written as a tagged field in <paramref name="version"/>.</summary>
    public bool IsTaggedIn(short version) => ExistsIn(version) && InRange(TaggedVersions, version);

    /// <summary>Whether <paramref name="version"/> is in a range spelled "none", "N", "N+" or "N-M".</summary>
    public static bool InRange(string range, short version)
    {
        if (range == "none") return false;
        if (range.EndsWith('+')) return version >= short.Parse(range.AsSpan(0, range.Length - 1));
        var dash = range.IndexOf('-');
        return dash < 0
            ? version == short.Parse(range)
            : version >= short.Parse(range.AsSpan(0, dash)) && version <= short.Parse(range.AsSpan(dash + 1));
    }
}
