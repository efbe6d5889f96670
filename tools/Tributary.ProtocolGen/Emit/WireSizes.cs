using Tributary.ProtocolGen.Model;
using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Emit;

/// <summary>
/// Computes the fewest bytes an array element can occupy in a given version. Array readers pass it to
/// <c>ReadArrayLength</c>, so that a hostile element count is rejected before anything is allocated.
/// </summary>
internal sealed class WireSizes(MessageModel message)
{
    private readonly Dictionary<string, StructModel> _structs = message.Structs.ToDictionary(s => s.ClassName);

    /// <summary>A C# expression for the minimum element size of array field <paramref name="field"/>, by version.</summary>
    public string MinElementSizeExpression(FieldModel field)
    {
        var groups = new List<(short Max, int Size)>();
        for (var version = field.Versions.Min; version <= field.Versions.Max; version++)
        {
            var size = MinSize(field, field.Type.Element!, version, isElement: true);
            if (groups.Count > 0 && groups[^1].Size == size) groups[^1] = (version, size);
            else groups.Add((version, size));
        }
        var expression = groups[^1].Size.ToString();
        for (var i = groups.Count - 2; i >= 0; i--) expression = $"version <= {groups[i].Max} ? {groups[i].Size} : {expression}";
        return expression;
    }

    private int MinSize(FieldModel field, FieldType type, short version, bool isElement)
    {
        var compact = field.FlexibleVersions.Contains(version);
        return type.Kind switch
        {
            TypeKind.Bool or TypeKind.Int8 => 1,
            TypeKind.Int16 or TypeKind.UInt16 => 2,
            TypeKind.Int32 => 4,
            TypeKind.Int64 or TypeKind.Float64 => 8,
            TypeKind.Uuid => 16,
            TypeKind.String => compact ? 1 : 2,
            TypeKind.Bytes or TypeKind.Records or TypeKind.Array => compact ? 1 : 4,
            TypeKind.Struct when !isElement && field.NullableVersions.Contains(version) => 1,
            TypeKind.Struct => StructMinSize(_structs[field.StructClass!], version),
            _ => throw new InvalidOperationException($"Unknown type {type}"),
        };
    }

    private int StructMinSize(StructModel structModel, short version)
    {
        var fields = structModel.Fields
            .Where(f => f.Versions.Contains(version) && !f.TaggedVersions.Contains(version))
            .Sum(f => MinSize(f, f.Type, version, isElement: false));
        // A flexible struct always ends with its tagged-field count, at least one byte.
        return fields + (message.Flexible.Contains(version) ? 1 : 0);
    }
}
