namespace Tributary.Cli.Common;

/// <summary>Parses repeated <c>name=value</c> option values.</summary>
internal static class NameValues
{
    /// <exception cref="UserErrorException">A value has no '=' or an empty name.</exception>
    public static Dictionary<string, string> Parse(IEnumerable<string> values, string option)
    {
        var parsed = new Dictionary<string, string>();
        foreach (var value in values)
        {
            var equals = value.IndexOf('=');
            if (equals <= 0)
                throw new UserErrorException($"bad {option} value '{value}': expected name=value");
            parsed[value[..equals]] = value[(equals + 1)..];
        }
        return parsed;
    }
}
