namespace Tributary.ProtocolGen.Schema;

/// <summary>One field of a message or struct, as declared in the JSON definition.</summary>
/// <param name="Name">PascalCase field name, used as the C# property name.</param>
/// <param name="Type">The field's wire type.</param>
/// <param name="Versions">Versions in which the field exists.</param>
/// <param name="NullableVersions">Versions in which the field may be null.</param>
/// <param name="TaggedVersions">Versions in which the field is a tagged field (empty when never tagged).</param>
/// <param name="Tag">The tag number, or null for ordinary fields.</param>
/// <param name="FlexibleVersions">A per-field override of the message's flexible versions (e.g. RequestHeader.ClientId), or null.</param>
/// <param name="Default">The JSON default text, or null when the type's natural default applies.</param>
/// <param name="Ignorable">Whether writing a non-default value in a version without the field is silently allowed.</param>
/// <param name="About">The field's description.</param>
/// <param name="Fields">Inline fields when the type is a struct (or array of structs) declared here.</param>
internal sealed record FieldSpec(
    string Name,
    FieldType Type,
    VersionRange Versions,
    VersionRange NullableVersions,
    VersionRange TaggedVersions,
    int? Tag,
    VersionRange? FlexibleVersions,
    string? Default,
    bool Ignorable,
    string About,
    IReadOnlyList<FieldSpec>? Fields);
