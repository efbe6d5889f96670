namespace Tributary.ProtocolGen.Schema;

/// <summary>A struct declared by a message: inline (with a field) or in the message's commonStructs.</summary>
/// <param name="Name">The JSON type name.</param>
/// <param name="Fields">The struct's fields.</param>
internal sealed record StructSpec(string Name, IReadOnlyList<FieldSpec> Fields);

/// <summary>One JSON message definition: a request, response, header or data message.</summary>
/// <param name="Name">The message name, e.g. "ProduceRequest".</param>
/// <param name="Type">"request", "response", "header" or "data".</param>
/// <param name="ApiKey">The API key for requests and responses.</param>
/// <param name="ValidVersions">All versions the definition declares, including an unreleased newest one.</param>
/// <param name="FlexibleVersions">Versions that use compact encodings and tagged fields.</param>
/// <param name="Fields">Top-level fields.</param>
/// <param name="CommonStructs">Structs shared by several fields.</param>
/// <param name="SourceFile">The JSON file name, quoted in the generated header.</param>
/// <param name="SupportedVersions">
/// The versions the generated code reads and writes: the valid ones minus an unstable newest version
/// (for a response, also capped at what its request supports).
/// </param>
internal sealed record MessageSpec(
    string Name,
    string Type,
    short? ApiKey,
    VersionRange ValidVersions,
    VersionRange FlexibleVersions,
    IReadOnlyList<FieldSpec> Fields,
    IReadOnlyList<StructSpec> CommonStructs,
    string SourceFile,
    VersionRange SupportedVersions)
{
    public bool IsRequest => Type == "request";

    public bool IsResponse => Type == "response";
}
