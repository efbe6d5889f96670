using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Tributary.Cli.Control;

/// <summary>A refusal of the control port: an HTTP status (4xx) and a message, sent as <c>{"error": message}</c>.</summary>
internal sealed class ControlException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public static ControlException BadRequest(string message) => new(HttpStatusCode.BadRequest, message);

    public static ControlException NotFound(string message) => new(HttpStatusCode.NotFound, message);
}

/// <summary>One control request as a route sees it: the values of the path's <c>{name}</c> segments, the query and the JSON body.</summary>
internal sealed class ControlCall(IReadOnlyDictionary<string, string> path, System.Collections.Specialized.NameValueCollection query, JsonElement? body)
{
    /// <summary>A path segment's value, e.g. <c>{topic}</c>.</summary>
    public string Path(string name) => path[name];

    /// <summary>An integer path segment, e.g. <c>{id}</c>; 404 when it is not a number (no such resource).</summary>
    public int PathInt(string name) =>
        int.TryParse(path[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw ControlException.NotFound($"{name} '{path[name]}' is not a number");

    /// <summary>A query parameter, or null.</summary>
    public string? Query(string name) => query[name];

    /// <summary>An integer query parameter, or null; 400 when it is not a number.</summary>
    public int? QueryInt(string name) =>
        query[name] is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw ControlException.BadRequest($"query parameter {name} must be an integer, not '{text}'");

    /// <summary>A body field, or null when the body or the field is absent (or JSON null).</summary>
    public JsonElement? Field(string name) =>
        body is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>Whether the body sets <paramref name="name"/> to JSON null (not the same as leaving it out).</summary>
    public bool IsNull(string name) =>
        body is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Null;

    /// <summary>A required string field.</summary>
    public string String(string name) => OptionalString(name) ?? throw ControlException.BadRequest($"the body needs \"{name}\"");

    /// <summary>An optional string field.</summary>
    public string? OptionalString(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw ControlException.BadRequest($"\"{name}\" must be a string"),
    };

    /// <summary>A required integer field.</summary>
    public long Long(string name) => OptionalLong(name) ?? throw ControlException.BadRequest($"the body needs \"{name}\"");

    /// <summary>An optional integer field.</summary>
    public long? OptionalLong(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out var number) => number,
        _ => throw ControlException.BadRequest($"\"{name}\" must be an integer"),
    };

    /// <summary>A required int field (a broker id, a count).</summary>
    public int Int(string name) => checked((int)Long(name));

    /// <summary>A required duration in milliseconds (field <paramref name="name"/>), at least zero.</summary>
    public TimeSpan Milliseconds(string name = "ms") =>
        Long(name) is var ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : throw ControlException.BadRequest($"\"{name}\" cannot be negative");

    /// <summary>An optional object of string values (topic configs), or null.</summary>
    public Dictionary<string, string>? StringMap(string name) => Field(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } value => value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
        {
            JsonValueKind.String => p.Value.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
            _ => throw ControlException.BadRequest($"\"{name}\".\"{p.Name}\" must be a string, number or boolean"),
        }),
        _ => throw ControlException.BadRequest($"\"{name}\" must be an object"),
    };
}
