using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Emit;

/// <summary>
/// A test on <c>version</c> that selects a version range, simplified against the versions already known
/// to hold at that point of the generated code (so no test is emitted when it cannot fail).
/// </summary>
internal readonly record struct Condition(bool IsAlways, bool IsNever, string Expression, string Negated)
{
    /// <summary>The condition "version is in <paramref name="range"/>" where version is known to be in <paramref name="context"/>.</summary>
    public static Condition For(VersionRange range, VersionRange context)
    {
        var inside = range.Intersect(context);
        if (inside.IsEmpty) return new Condition(false, true, "false", "true");
        if (range.Covers(context)) return new Condition(true, false, "true", "false");
        var tests = new List<string>();
        var negations = new List<string>();
        if (inside.Min > context.Min)
        {
            tests.Add($"version >= {inside.Min}");
            negations.Add($"version < {inside.Min}");
        }
        if (inside.Max < context.Max)
        {
            tests.Add($"version <= {inside.Max}");
            negations.Add($"version > {inside.Max}");
        }
        // The negation is parenthesised when it has two parts so that it can be combined with && safely.
        var negated = negations.Count == 1 ? negations[0] : $"({string.Join(" || ", negations)})";
        return new Condition(false, false, string.Join(" && ", tests), negated);
    }

    /// <summary>An expression that evaluates to <paramref name="whenTrue"/> or <paramref name="whenFalse"/>.</summary>
    public string Choose(string whenTrue, string whenFalse) =>
        IsAlways ? whenTrue : IsNever ? whenFalse : $"({Expression} ? {whenTrue} : {whenFalse})";
}
