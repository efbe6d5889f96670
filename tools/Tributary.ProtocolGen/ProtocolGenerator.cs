using Tributary.ProtocolGen.Emit;
using Tributary.ProtocolGen.Loading;
using Tributary.ProtocolGen.Model;
using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen;

/// <summary>A generated source file: its name inside the Generated folder and its text.</summary>
/// <param name="Name">File name, e.g. "ProduceRequest.g.cs".</param>
/// <param name="Content">The C# source.</param>
public sealed record GeneratedFile(string Name, string Content);

/// <summary>
/// Turns Kafka message definitions into C#: one file per message (request, response, header, data),
/// plus the ApiKey enum and ApiKeys table. Pure: the same inputs always give the same files.
/// </summary>
public static class ProtocolGenerator
{
    /// <summary>Generates the sources for every definition in <paramref name="jsonFiles"/>, sorted by file name.</summary>
    public static IReadOnlyList<GeneratedFile> Generate(IEnumerable<string> jsonFiles)
    {
        var loaded = Load(jsonFiles);
        var specs = CapResponsesAtRequestVersions(loaded.Where(spec => !spec.SupportedVersions.IsEmpty).ToList());
        var models = specs.Select(ModelBuilder.Build).ToList();
        var files = models.Select(m => new GeneratedFile($"{m.Name}.g.cs", MessageEmitter.Emit(m))).ToList();
        var apis = PairApis(models);
        files.Add(new GeneratedFile("ApiKey.g.cs", ApiKeysEmitter.EmitEnum(DefinedApis(loaded), apis)));
        files.Add(new GeneratedFile("ApiKeys.g.cs", ApiKeysEmitter.EmitTable(apis)));
        return files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Generates the record classes of Kafka's internal topics (<c>__consumer_offsets</c>, <c>__transaction_state</c>)
    /// from their "data" definitions, one file each, in <see cref="MessageEmitter.InternalRecordsNamespace"/>. Kafka
    /// writes each record's key and value as a 2-byte version followed by the struct in that version; the version
    /// prefix is the caller's (it picks the record type when reading a key).
    /// </summary>
    public static IReadOnlyList<GeneratedFile> GenerateInternalRecords(IEnumerable<string> jsonFiles) =>
        Load(jsonFiles)
            .Where(spec => spec.Type == "data" && !spec.SupportedVersions.IsEmpty)
            .Select(ModelBuilder.Build)
            .Select(m => new GeneratedFile($"{m.Name}.g.cs", MessageEmitter.Emit(m, MessageEmitter.InternalRecordsNamespace)))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

    private static List<MessageSpec> Load(IEnumerable<string> jsonFiles) =>
        jsonFiles.OrderBy(Path.GetFileName, StringComparer.Ordinal).Select(SchemaLoader.LoadFile).ToList();

    /// <summary>
    /// Only requests carry latestVersionUnstable, but a version exists for both halves of an API or neither:
    /// responses are limited to their request's versions, and an API with no stable request is dropped entirely.
    /// </summary>
    private static List<MessageSpec> CapResponsesAtRequestVersions(List<MessageSpec> specs)
    {
        var requests = specs.Where(s => s.IsRequest && s.ApiKey is not null).ToDictionary(s => s.ApiKey!.Value);
        return specs
            .Select(spec => spec.IsResponse && spec.ApiKey is { } key
                ? spec with { SupportedVersions = requests.TryGetValue(key, out var request) ? spec.SupportedVersions.Intersect(request.SupportedVersions) : VersionRange.None }
                : spec)
            .Where(spec => !spec.SupportedVersions.IsEmpty)
            .ToList();
    }

    /// <summary>Every API with a request definition that has versions, released or not (removed APIs say "none").</summary>
    private static List<(short Key, string Name)> DefinedApis(List<MessageSpec> specs) =>
        specs.Where(s => s.IsRequest && s.ApiKey is not null && !s.ValidVersions.IsEmpty)
            .Select(s => (s.ApiKey!.Value, MessageEmitter.ApiName(s)))
            .OrderBy(api => api.Item1)
            .ToList();

    private static List<ApiKeysEmitter.Api> PairApis(List<MessageModel> models)
    {
        var responses = models.Where(m => m.Spec.IsResponse).ToDictionary(m => m.Spec.ApiKey!.Value);
        return models
            .Where(m => m.Spec.IsRequest)
            .Select(request => new ApiKeysEmitter.Api(
                request.Spec.ApiKey!.Value,
                MessageEmitter.ApiName(request.Spec),
                request,
                responses.TryGetValue(request.Spec.ApiKey!.Value, out var response)
                    ? response
                    : throw new InvalidDataException($"{request.Name} has no response definition.")))
            .OrderBy(api => api.Key)
            .ToList();
    }
}
