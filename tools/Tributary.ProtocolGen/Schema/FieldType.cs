namespace Tributary.ProtocolGen.Schema;

/// <summary>The wire types a field can have.</summary>
internal enum TypeKind
{
    Bool,
    Int8,
    Int16,
    UInt16,
    Int32,
    Int64,
    Float64,
    Uuid,
    String,
    Bytes,
    Records,
    Struct,
    Array,
}

/// <summary>
/// A field type parsed from its JSON spelling: a primitive ("int32"), a struct name ("SnapshotId"),
/// or an array of either ("[]int32", "[]MetadataResponseTopic").
/// </summary>
internal sealed record FieldType(TypeKind Kind, string? StructName = null, FieldType? Element = null)
{
    private static readonly Dictionary<string, TypeKind> Primitives = new()
    {
        ["bool"] = TypeKind.Bool,
        ["int8"] = TypeKind.Int8,
        ["int16"] = TypeKind.Int16,
        ["uint16"] = TypeKind.UInt16,
        ["int32"] = TypeKind.Int32,
        ["int64"] = TypeKind.Int64,
        ["float64"] = TypeKind.Float64,
        ["uuid"] = TypeKind.Uuid,
        ["string"] = TypeKind.String,
        ["bytes"] = TypeKind.Bytes,
        ["records"] = TypeKind.Records,
    };

    public bool IsArray => Kind == TypeKind.Array;

    /// <summary>The struct this type refers to, directly or as the array element.</summary>
    public string? ReferencedStruct => IsArray ? Element!.StructName : StructName;

    public static FieldType Parse(string text)
    {
        if (text.StartsWith("[]", StringComparison.Ordinal))
        {
            var element = Parse(text[2..]);
            if (element.IsArray) throw new FormatException($"Nested arrays are not supported: {text}");
            return new FieldType(TypeKind.Array, Element: element);
        }
        return Primitives.TryGetValue(text, out var kind) ? new FieldType(kind) : new FieldType(TypeKind.Struct, StructName: text);
    }
}
