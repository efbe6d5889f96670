using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Model;

/// <summary>
/// A field as the emitters need it: every version range already limited to the versions the message supports,
/// and the C# class name of any struct it refers to.
/// </summary>
/// <param name="Spec">The field as declared.</param>
/// <param name="Versions">Supported versions in which the field exists.</param>
/// <param name="NullableVersions">Versions (within <paramref name="Versions"/>) in which it may be null.</param>
/// <param name="TaggedVersions">Versions in which it is written as a tagged field; empty for ordinary fields.</param>
/// <param name="FlexibleVersions">Versions in which its strings, bytes and arrays use compact lengths.</param>
/// <param name="StructClass">The C# class of the struct it holds (directly or as array element), or null.</param>
internal sealed record FieldModel(
    FieldSpec Spec,
    VersionRange Versions,
    VersionRange NullableVersions,
    VersionRange TaggedVersions,
    VersionRange FlexibleVersions,
    string? StructClass)
{
    public string Name => Spec.Name;

    public FieldType Type => Spec.Type;

    public bool IsTagged => !TaggedVersions.IsEmpty;

    /// <summary>Whether the C# property is nullable: the field may be null in some version.</summary>
    public bool IsNullable => !NullableVersions.IsEmpty;

    /// <summary>Whether the default is null (only nullable fields may say so).</summary>
    public bool DefaultIsNull => Spec.Default == "null";
}

/// <summary>A generated class: the message itself or one of its nested structs.</summary>
/// <param name="ClassName">The C# class name (the JSON name, renamed only when it would clash).</param>
/// <param name="Fields">Fields in declaration order, each existing in at least one supported version.</param>
/// <param name="IsMessage">True for the message's own class.</param>
/// <param name="About">The description of the field that declares the struct (empty for the message).</param>
internal sealed record StructModel(string ClassName, IReadOnlyList<FieldModel> Fields, bool IsMessage, string About)
{
    /// <summary>Tagged fields in ascending tag order, the order they are written in.</summary>
    public IEnumerable<FieldModel> TaggedFields => Fields.Where(f => f.IsTagged).OrderBy(f => f.Spec.Tag);
}

/// <summary>A message ready for emission.</summary>
/// <param name="Spec">The definition it came from.</param>
/// <param name="Root">The message's own class.</param>
/// <param name="Structs">Nested struct classes in first-use order.</param>
/// <param name="Supported">Versions the generated code reads and writes.</param>
/// <param name="Flexible">Supported versions that are flexible.</param>
internal sealed record MessageModel(
    MessageSpec Spec,
    StructModel Root,
    IReadOnlyList<StructModel> Structs,
    VersionRange Supported,
    VersionRange Flexible)
{
    public string Name => Spec.Name;
}
