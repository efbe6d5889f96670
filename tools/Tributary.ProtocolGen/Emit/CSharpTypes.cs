using System.Globalization;
using System.Text;
using Tributary.ProtocolGen.Model;
using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Emit;

/// <summary>Maps Kafka field types and defaults to C# types, literals and default tests.</summary>
internal static class CSharpTypes
{
    /// <summary>The C# type of a single value (an array element, or a non-array field ignoring nullability).</summary>
    public static string ValueType(FieldType type, string? structClass) => type.Kind switch
    {
        TypeKind.Bool => "bool",
        TypeKind.Int8 => "sbyte",
        TypeKind.Int16 => "short",
        TypeKind.UInt16 => "ushort",
        TypeKind.Int32 => "int",
        TypeKind.Int64 => "long",
        TypeKind.Float64 => "double",
        TypeKind.Uuid => "Guid",
        TypeKind.String => "string",
        TypeKind.Bytes => "byte[]",
        TypeKind.Records => "ReadOnlyMemory<byte>",
        TypeKind.Struct => structClass!,
        _ => throw new InvalidOperationException($"No single-value C# type for {type}."),
    };

    public static string PropertyType(FieldModel field)
    {
        var type = field.Type;
        if (type.Kind == TypeKind.Records) return "ReadOnlyMemory<byte>?";
        var baseType = type.IsArray ? $"List<{ValueType(type.Element!, field.StructClass)}>" : ValueType(type, field.StructClass);
        var referenceType = type.IsArray || type.Kind is TypeKind.String or TypeKind.Bytes or TypeKind.Struct;
        return referenceType && field.IsNullable ? baseType + "?" : baseType;
    }

    /// <summary>The property initialiser expression, or null when the CLR default already is the Kafka default.</summary>
    public static string? Initializer(FieldModel field)
    {
        var type = field.Type;
        switch (type.Kind)
        {
            case TypeKind.String:
                return field.DefaultIsNull ? null : Literal(field.Spec.Default ?? "");
            case TypeKind.Bytes:
                return field.DefaultIsNull ? null : NoOtherDefault(field, "[]");
            case TypeKind.Records:
                // Kafka's records fields default to null; a non-nullable one starts empty so it can be written.
                return field.IsNullable ? null : "ReadOnlyMemory<byte>.Empty";
            case TypeKind.Struct:
            case TypeKind.Array:
                return field.DefaultIsNull ? null : NoOtherDefault(field, "new()");
            case TypeKind.Uuid:
                return NoOtherDefault(field, null);
            default:
                var literal = ScalarDefault(field);
                return literal is "0" or "false" ? null : literal;
        }
    }

    private static string? NoOtherDefault(FieldModel field, string? initializer) =>
        field.Spec.Default is null or "" ? initializer : throw new InvalidDataException($"{field.Name}: unsupported default '{field.Spec.Default}' for {field.Type.Kind}.");

    /// <summary>The default value of a numeric or boolean field as a C# literal.</summary>
    public static string ScalarDefault(FieldModel field)
    {
        var text = field.Spec.Default?.Trim();
        switch (field.Type.Kind)
        {
            case TypeKind.Bool:
                return text is null ? "false" : bool.Parse(text) ? "true" : "false";
            case TypeKind.Float64:
                return text is null ? "0.0" : double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture) + "d";
            case TypeKind.Int8 or TypeKind.Int16 or TypeKind.UInt16 or TypeKind.Int32 or TypeKind.Int64:
                return text is null ? "0" : ParseInteger(text).ToString(CultureInfo.InvariantCulture);
            default:
                throw new InvalidOperationException($"{field.Name} is not a scalar.");
        }
    }

    /// <summary>Parses decimal or hexadecimal ("0x7fffffff"), optionally negative.</summary>
    private static long ParseInteger(string text)
    {
        var negative = text.StartsWith('-');
        var digits = negative ? text[1..] : text;
        var value = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(digits, CultureInfo.InvariantCulture);
        return negative ? -value : value;
    }

    /// <summary>A C# expression that is true when <paramref name="access"/> differs from the field's default.</summary>
    public static string NonDefault(FieldModel field, string access)
    {
        switch (field.Type.Kind)
        {
            case TypeKind.Uuid:
                return $"{access} != Guid.Empty";
            case TypeKind.Float64:
                return $"!{access}.Equals({ScalarDefault(field)})";
            case TypeKind.String:
                return field.DefaultIsNull ? $"{access} is not null" : $"{access} != {Literal(field.Spec.Default ?? "")}";
            case TypeKind.Bytes:
                return EmptyUnlessNull(field, access, "Length");
            case TypeKind.Records:
                return field.IsNullable ? $"{access} is not null" : $"{access} is not {{ Length: 0 }}";
            case TypeKind.Array:
                return EmptyUnlessNull(field, access, "Count");
            case TypeKind.Struct:
                var differs = $"!{access}.Equals(new {field.StructClass}())";
                return field.DefaultIsNull ? $"{access} is not null" : field.IsNullable ? $"({access} is null || {differs})" : differs;
            default:
                return $"{access} != {ScalarDefault(field)}";
        }
    }

    private static string EmptyUnlessNull(FieldModel field, string access, string size) =>
        field.DefaultIsNull ? $"{access} is not null"
        : field.IsNullable ? $"{access} is not {{ {size}: 0 }}"
        : $"{access}.{size} != 0";

    /// <summary>A C# string literal.</summary>
    public static string Literal(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }
        return builder.Append('"').ToString();
    }

    /// <summary>The name with its first letter in lower case, for locals derived from a property.</summary>
    public static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
