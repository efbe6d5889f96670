namespace Tributary.ProtocolGen.Schema;

/// <summary>
/// An inclusive range of protocol versions as written in the JSON definitions: "3+", "0-7", "5" or "none".
/// </summary>
internal readonly record struct VersionRange(short Min, short Max)
{
    /// <summary>The range that contains no version ("none").</summary>
    public static readonly VersionRange None = new(1, 0);

    public bool IsEmpty => Min > Max;

    public bool Contains(short version) => version >= Min && version <= Max;

    /// <summary>True when every version of <paramref name="other"/> is in this range (an empty range is in every range).</summary>
    public bool Covers(VersionRange other) => other.IsEmpty || (!IsEmpty && Min <= other.Min && Max >= other.Max);

    public VersionRange Intersect(VersionRange other)
    {
        var result = new VersionRange(Math.Max(Min, other.Min), Math.Min(Max, other.Max));
        return result.IsEmpty ? None : result;
    }

    public static VersionRange Parse(string text)
    {
        text = text.Trim();
        if (text == "none") return None;
        if (text.EndsWith('+')) return new VersionRange(short.Parse(text[..^1]), short.MaxValue);
        var dash = text.IndexOf('-');
        if (dash < 0)
        {
            var single = short.Parse(text);
            return new VersionRange(single, single);
        }
        return new VersionRange(short.Parse(text[..dash]), short.Parse(text[(dash + 1)..]));
    }

    /// <summary>The JSON spelling of the range, so generated attributes read like the definitions.</summary>
    public override string ToString() =>
        IsEmpty ? "none" : Max == short.MaxValue ? $"{Min}+" : Min == Max ? $"{Min}" : $"{Min}-{Max}";
}
