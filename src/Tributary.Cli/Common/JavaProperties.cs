using System.Globalization;
using System.Text;

namespace Tributary.Cli.Common;

/// <summary>
/// Reads a Java properties file (Kafka's server.properties) as <c>java.util.Properties.load</c> does: lines starting
/// with <c>#</c> or <c>!</c> are comments; a key ends at the first unescaped <c>=</c>, <c>:</c> or white space, and
/// the value is the rest after one optional separator; a line ending in an odd number of backslashes continues on
/// the next one (whose leading white space is dropped); <c>\t</c>, <c>\n</c>, <c>\r</c>, <c>\f</c> and
/// <c>\uXXXX</c> are escapes, and a backslash before any other character stands for that character.
/// </summary>
internal static class JavaProperties
{
    /// <summary>The properties of <paramref name="text"/>, later keys winning, in file order.</summary>
    /// <exception cref="FormatException">A malformed <c>\u</c> escape (the message says which line).</exception>
    public static Dictionary<string, string> Parse(string text)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (line, number) in LogicalLines(text))
        {
            var (key, value) = Split(line);
            properties[Unescape(key, number)] = Unescape(value, number);
        }
        return properties;
    }

    /// <summary>The non-blank, non-comment lines, continuation lines joined, each with the number of its first line.</summary>
    private static IEnumerable<(string Line, int Number)> LogicalLines(string text)
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart(' ', '\t', '\f');
            if (line.Length == 0 || line[0] is '#' or '!') continue;
            var first = i + 1;
            var joined = new StringBuilder();
            while (EndsWithContinuation(line) && i + 1 < lines.Length)
            {
                joined.Append(line, 0, line.Length - 1);
                line = lines[++i].TrimStart(' ', '\t', '\f');
            }
            if (EndsWithContinuation(line)) line = line[..^1];
            joined.Append(line);
            yield return (joined.ToString(), first);
        }
    }

    private static bool EndsWithContinuation(string line)
    {
        var backslashes = line.Length - line.TrimEnd('\\').Length;
        return backslashes % 2 == 1;
    }

    /// <summary>The raw (still escaped) key and value of one logical line.</summary>
    private static (string Key, string Value) Split(string line)
    {
        var end = 0;
        while (end < line.Length && line[end] is not ('=' or ':' or ' ' or '\t' or '\f'))
            end += line[end] == '\\' && end + 1 < line.Length ? 2 : 1;
        var rest = end;
        while (rest < line.Length && line[rest] is ' ' or '\t' or '\f') rest++;
        if (rest < line.Length && line[rest] is '=' or ':') rest++;
        while (rest < line.Length && line[rest] is ' ' or '\t' or '\f') rest++;
        return (line[..end], line[rest..]);
    }

    private static string Unescape(string raw, int lineNumber)
    {
        var result = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\' || i + 1 == raw.Length)
            {
                result.Append(raw[i]);
                continue;
            }
            var escaped = raw[++i];
            switch (escaped)
            {
                case 't': result.Append('\t'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 'f': result.Append('\f'); break;
                case 'u':
                    if (raw.Length - i - 1 < 4 || !int.TryParse(raw.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        throw new FormatException($"line {lineNumber}: malformed \\uxxxx escape");
                    result.Append((char)code);
                    i += 4;
                    break;
                default: result.Append(escaped); break;
            }
        }
        return result.ToString();
    }
}
