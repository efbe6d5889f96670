using System.Text.Json;
using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Loading;

/// <summary>Parses Kafka message definition files into <see cref="MessageSpec"/>s.</summary>
internal static class SchemaLoader
{
    /// <summary>
    /// Requests whose newest version the definitions (4.0 development line, October 2024) still mark unstable
    /// but Kafka 4.0 released: ConsumerGroupHeartbeat v1 (KIP-848 GA with regular-expression subscriptions),
    /// the only version librdkafka 2.1x sends.
    /// </summary>
    private static readonly HashSet<string> ReleasedSinceTheDefinitions = new(StringComparer.Ordinal) { "ConsumerGroupHeartbeatRequest" };

    public static MessageSpec LoadFile(string path)
    {
        var json = JsonComments.Strip(File.ReadAllText(path));
        using var document = JsonDocument.Parse(json);
        try
        {
            return ParseMessage(document.RootElement, Path.GetFileName(path));
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static MessageSpec ParseMessage(JsonElement root, string sourceFile)
    {
        var valid = VersionRange.Parse(root.GetProperty("validVersions").GetString()!);
        var unstable = root.TryGetProperty("latestVersionUnstable", out var u) && u.GetBoolean()
            && !ReleasedSinceTheDefinitions.Contains(root.GetProperty("name").GetString()!);
        // An unstable newest version is unreleased: it is left out of what the generated code supports.
        var supported = unstable && !valid.IsEmpty ? valid.Intersect(valid with { Max = (short)(valid.Max - 1) }) : valid;
        return new MessageSpec(
            Name: root.GetProperty("name").GetString()!,
            Type: root.GetProperty("type").GetString()!,
            ApiKey: root.TryGetProperty("apiKey", out var key) ? key.GetInt16() : null,
            ValidVersions: valid,
            FlexibleVersions: VersionRange.Parse(root.GetProperty("flexibleVersions").GetString()!),
            Fields: ParseFields(root.GetProperty("fields")),
            CommonStructs: root.TryGetProperty("commonStructs", out var common)
                ? common.EnumerateArray().Select(s => new StructSpec(s.GetProperty("name").GetString()!, ParseFields(s.GetProperty("fields")))).ToList()
                : [],
            SourceFile: sourceFile,
            SupportedVersions: supported);
    }

    private static List<FieldSpec> ParseFields(JsonElement fields) => fields.EnumerateArray().Select(ParseField).ToList();

    private static FieldSpec ParseField(JsonElement field)
    {
        var tag = field.TryGetProperty("tag", out var t) ? IntegerOrString(t) : (int?)null;
        var tagged = tag is null ? VersionRange.None : OptionalRange(field, "taggedVersions") ?? throw new FormatException($"Tagged field {field} lacks taggedVersions.");
        return new FieldSpec(
            Name: Pascal(field.GetProperty("name").GetString()!),
            Type: FieldType.Parse(field.GetProperty("type").GetString()!),
            // A tagged field may leave out "versions" (the record definitions do): it exists in its tagged versions, as Kafka's generator reads it.
            Versions: OptionalRange(field, "versions") ?? (tag is null ? throw new FormatException($"Field {field} lacks versions.") : tagged),
            NullableVersions: OptionalRange(field, "nullableVersions") ?? VersionRange.None,
            TaggedVersions: tagged,
            Tag: tag,
            FlexibleVersions: OptionalRange(field, "flexibleVersions"),
            Default: field.TryGetProperty("default", out var d) ? DefaultText(d) : null,
            Ignorable: field.TryGetProperty("ignorable", out var i) && i.GetBoolean(),
            About: field.TryGetProperty("about", out var about) ? about.GetString()! : "",
            Fields: field.TryGetProperty("fields", out var inner) ? ParseFields(inner) : null);
    }

    /// <summary>The record definitions name fields in camelCase ("offset"); properties are PascalCase, as Kafka's generator capitalizes them.</summary>
    private static string Pascal(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    /// <summary>Tags are JSON numbers in most files and strings ("0") in a few.</summary>
    private static int IntegerOrString(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? int.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetInt32();

    private static VersionRange? OptionalRange(JsonElement field, string name) =>
        field.TryGetProperty(name, out var value) ? VersionRange.Parse(value.GetString()!) : null;

    /// <summary>Defaults are usually strings ("-1", "0x7fffffff", "null") but some files use JSON numbers, booleans or null.</summary>
    private static string DefaultText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Null => "null",
        _ => throw new FormatException($"Unsupported default {value.GetRawText()}"),
    };
}
