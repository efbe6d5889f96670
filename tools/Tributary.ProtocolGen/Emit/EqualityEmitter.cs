using Tributary.ProtocolGen.Model;
using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Emit;

/// <summary>
/// Emits value equality (Equals, GetHashCode): two messages are equal when every field and every unknown
/// tagged field is equal, lists and byte arrays compared by content.
/// </summary>
internal sealed class EqualityEmitter(CodeWriter code)
{
    public void Emit(StructModel structModel)
    {
        var className = structModel.ClassName;
        code.Line("/// <inheritdoc />");
        code.Line($"public bool Equals({className}? other) =>");
        code.Line("    other is not null");
        foreach (var field in structModel.Fields) code.Line($"    && {FieldEquals(field)}");
        code.Line("    && MessageEquality.TaggedFieldsEqual(UnknownTaggedFields, other.UnknownTaggedFields);");
        code.Line();
        code.Line("/// <inheritdoc />");
        code.Line($"public override bool Equals(object? obj) => Equals(obj as {className});");
        code.Line();
        code.Line("/// <inheritdoc />");
        using (code.Block("public override int GetHashCode()"))
        {
            code.Line("var hash = new HashCode();");
            foreach (var field in structModel.Fields) code.Line($"hash.Add({FieldHash(field)});");
            code.Line("return hash.ToHashCode();");
        }
    }

    private static string FieldEquals(FieldModel field)
    {
        var name = field.Name;
        return field.Type.Kind switch
        {
            TypeKind.Float64 => $"{name}.Equals(other.{name})",
            TypeKind.Bytes => $"MessageEquality.BytesEqual({name}, other.{name})",
            TypeKind.Records => $"MessageEquality.RecordsEqual({name}, other.{name})",
            TypeKind.Struct => $"object.Equals({name}, other.{name})",
            TypeKind.Array => $"MessageEquality.ListEqual({name}, other.{name})",
            _ => $"{name} == other.{name}",
        };
    }

    /// <summary>Collections contribute only their size: cheap, and still consistent with Equals.</summary>
    private static string FieldHash(FieldModel field) => field.Type.Kind switch
    {
        TypeKind.Bytes or TypeKind.Records => $"{field.Name}?.Length",
        TypeKind.Array => $"{field.Name}?.Count",
        _ => field.Name,
    };
}
