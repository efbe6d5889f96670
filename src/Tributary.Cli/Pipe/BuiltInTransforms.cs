using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tributary.Abstractions;
using Tributary.Cli.Common;

namespace Tributary.Cli.Pipe;

/// <summary>
/// The transforms <c>tributary pipe -T</c> knows by name. Values are treated as UTF-8 text (JSON for the JSON ones):
/// <list type="bullet">
/// <item><c>upper</c>, <c>lower</c>: change the value's case.</item>
/// <item><c>s/REGEX/REPLACEMENT/</c>: .NET regex replace in the value (any delimiter after the s; $1 for groups).</item>
/// <item><c>project:a,b</c>: keep only these top-level fields of a JSON object value.</item>
/// <item><c>key:REGEX</c>: keep records whose key matches.</item>
/// <item><c>where:FIELD=VALUE</c>: keep records whose JSON value has this top-level field with this value.</item>
/// </list>
/// </summary>
internal static class BuiltInTransforms
{
    public const string Help = "upper, lower, s/REGEX/REPLACEMENT/, project:FIELD,..., key:REGEX, where:FIELD=VALUE";

    /// <exception cref="UserErrorException">The spec names no built-in transform or is malformed.</exception>
    public static IMessageTransform Parse(string spec) => spec switch
    {
        "upper" => new ValueText(text => text.ToUpperInvariant()),
        "lower" => new ValueText(text => text.ToLowerInvariant()),
        ['s', var delimiter, .. var rest] when !char.IsLetterOrDigit(delimiter) => RegexReplace(spec, delimiter, rest),
        ['p', 'r', 'o', 'j', 'e', 'c', 't', ':', .. var fields] => new JsonProjection(Split(spec, fields)),
        ['k', 'e', 'y', ':', .. var pattern] => new KeyFilter(Regex(spec, pattern)),
        ['w', 'h', 'e', 'r', 'e', ':', .. var condition] when condition.IndexOf('=') > 0 =>
            new JsonFieldFilter(condition[..condition.IndexOf('=')], condition[(condition.IndexOf('=') + 1)..]),
        _ => throw new UserErrorException($"bad transform '{spec}': expected one of {Help}"),
    };

    private static IMessageTransform RegexReplace(string spec, char delimiter, string rest)
    {
        var parts = rest.Split(delimiter);
        if (parts.Length != 3 || parts[2].Length != 0)
            throw new UserErrorException($"bad transform '{spec}': expected s{delimiter}REGEX{delimiter}REPLACEMENT{delimiter}");
        var regex = Regex(spec, parts[0]);
        return new ValueText(text => regex.Replace(text, parts[1]));
    }

    private static Regex Regex(string spec, string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException($"bad transform '{spec}': {e.Message}");
        }
    }

    private static string[] Split(string spec, string fields) =>
        fields.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } names
            ? names
            : throw new UserErrorException($"bad transform '{spec}': name at least one field");

    /// <summary>Rewrites the value's text; null values pass unchanged.</summary>
    private sealed class ValueText(Func<string, string> rewrite) : IMessageTransform
    {
        public TransformMessage? Transform(TransformMessage message) =>
            message.ValueText is { } text ? message.WithValueText(rewrite(text)) : message;
    }

    /// <summary>Keeps the named fields of a JSON object; other values pass unchanged.</summary>
    private sealed class JsonProjection(string[] fields) : IMessageTransform
    {
        public TransformMessage? Transform(TransformMessage message)
        {
            if (ParseObject(message) is not { } value)
                return message;
            var projected = new JsonObject();
            foreach (var field in fields)
                if (value.TryGetPropertyValue(field, out var node))
                    projected[field] = node?.DeepClone();
            return message.WithValueText(projected.ToJsonString());
        }
    }

    /// <summary>Keeps records whose key matches; records without a key are dropped.</summary>
    private sealed class KeyFilter(Regex pattern) : IMessageTransform
    {
        public TransformMessage? Transform(TransformMessage message) =>
            message.KeyText is { } key && pattern.IsMatch(key) ? message : null;
    }

    /// <summary>Keeps JSON object values whose field has the given value (its text for strings, its JSON otherwise).</summary>
    private sealed class JsonFieldFilter(string field, string expected) : IMessageTransform
    {
        public TransformMessage? Transform(TransformMessage message) =>
            ParseObject(message)?[field] is { } node && Text(node) == expected ? message : null;

        private static string Text(JsonNode node) =>
            node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
    }

    private static JsonObject? ParseObject(TransformMessage message)
    {
        if (message.Value is null)
            return null;
        try
        {
            return JsonNode.Parse(message.Value) as JsonObject;
        }
        catch (JsonException)
        {
            return null; // not JSON: projections pass it unchanged, filters drop it
        }
    }
}
