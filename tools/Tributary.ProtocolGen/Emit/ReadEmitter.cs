using Tributary.ProtocolGen.Model;
using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Emit;

/// <summary>Emits the static <c>Read(ref KafkaReader, short)</c> method of a message or struct class.</summary>
internal sealed class ReadEmitter(MessageModel message, CodeWriter code)
{
    private readonly WireSizes _sizes = new(message);

    public void Emit(StructModel structModel)
    {
        var className = structModel.ClassName;
        code.Line(structModel.IsMessage
            ? $"/// <summary>Reads a {className} encoded in <paramref name=\"version\"/>.</summary>"
            : $"/// <summary>Reads a {className} encoded in <paramref name=\"version\"/> of the enclosing message.</summary>");
        code.Line("/// <exception cref=\"KafkaProtocolException\">The bytes are truncated or malformed, or the version is not supported.</exception>");
        using (code.Block($"public static {className} Read(ref KafkaReader reader, short version)"))
        {
            if (structModel.IsMessage)
                code.Line($"UnsupportedVersionException.ThrowIfUnsupported(\"{message.Name}\", version, LowestSupportedVersion, HighestSupportedVersion);");
            code.Line($"var result = new {className}();");
            foreach (var field in structModel.Fields.Where(f => !f.IsTagged))
            {
                code.If(Condition.For(field.Versions, message.Supported), () => EmitField(structModel, field, "reader"));
            }
            code.If(Condition.For(message.Flexible, message.Supported), () => EmitTaggedSection(structModel));
            code.Line("return result;");
        }
    }

    private string Owner(StructModel structModel) => structModel.IsMessage ? message.Name : $"{message.Name}.{structModel.ClassName}";

    private string NullNotAllowed(StructModel owner, FieldModel field) =>
        $"throw new InvalidLengthException($\"Null {field.Name} in {Owner(owner)} version {{version}}, where it is not nullable.\")";

    private void EmitField(StructModel owner, FieldModel field, string reader)
    {
        var target = $"result.{field.Name}";
        var compact = Condition.For(field.FlexibleVersions, field.Versions);
        var nullable = Condition.For(field.NullableVersions, field.Versions);
        switch (field.Type.Kind)
        {
            case TypeKind.String or TypeKind.Bytes:
                var noun = field.Type.Kind == TypeKind.String ? "String" : "Bytes";
                code.Line($"{target} = {compact.Choose(
                    nullable.Choose($"{reader}.ReadCompactNullable{noun}()", $"{reader}.ReadCompact{noun}()"),
                    nullable.Choose($"{reader}.ReadNullable{noun}()", $"{reader}.Read{noun}()"))};");
                break;
            case TypeKind.Records:
                code.Line($"{target} = {compact.Choose($"{reader}.ReadCompactRecords()", $"{reader}.ReadRecords()")};");
                if (!nullable.IsAlways) code.Line($"if ({target} is null && {nullable.Negated}) {NullNotAllowed(owner, field)};");
                break;
            case TypeKind.Struct:
                var readStruct = $"{StructReference(field)}.Read(ref {reader}, version)";
                var readNull = nullable.IsAlways ? $"{reader}.ReadInt8() < 0" : $"{nullable.Expression} && {reader}.ReadInt8() < 0";
                code.Line(nullable.IsNever ? $"{target} = {readStruct};" : $"{target} = {readNull} ? null : {readStruct};");
                break;
            case TypeKind.Array:
                EmitArray(owner, field, target, reader, compact, nullable);
                break;
            default:
                code.Line($"{target} = {reader}.Read{WriteEmitter.ScalarMethodSuffix(field.Type.Kind)}();");
                break;
        }
    }

    /// <summary>Nested classes are named through the message class, so a property of the same name cannot hide them.</summary>
    private string StructReference(FieldModel field) => $"{message.Name}.{field.StructClass}";

    private void EmitArray(StructModel owner, FieldModel field, string target, string reader, Condition compact, Condition nullable)
    {
        var count = CSharpTypes.Camel(field.Name) + "Count";
        var list = CSharpTypes.Camel(field.Name) + "List";
        var minSize = _sizes.MinElementSizeExpression(field);
        code.Line($"var {count} = {compact.Choose($"{reader}.ReadCompactArrayLength({minSize})", $"{reader}.ReadArrayLength({minSize})")};");
        using (code.Block($"if ({count} < 0)"))
        {
            if (!nullable.IsAlways) code.Line(nullable.IsNever ? $"{NullNotAllowed(owner, field)};" : $"if ({nullable.Negated}) {NullNotAllowed(owner, field)};");
            if (!nullable.IsNever) code.Line($"{target} = null;");
        }
        using (code.Block("else"))
        {
            var element = field.Type.Element!;
            code.Line($"var {list} = new List<{CSharpTypes.ValueType(element, field.StructClass)}>({count});");
            code.Line($"for (var i = 0; i < {count}; i++) {list}.Add({ElementRead(field, element, reader, compact)});");
            code.Line($"{target} = {list};");
        }
    }

    private string ElementRead(FieldModel field, FieldType element, string reader, Condition compact) => element.Kind switch
    {
        TypeKind.Struct => $"{StructReference(field)}.Read(ref {reader}, version)",
        TypeKind.String => compact.Choose($"{reader}.ReadCompactString()", $"{reader}.ReadString()"),
        TypeKind.Bytes => compact.Choose($"{reader}.ReadCompactBytes()", $"{reader}.ReadBytes()"),
        TypeKind.Records or TypeKind.Array => throw new InvalidDataException($"{field.Name}: arrays of {element.Kind} are not supported."),
        _ => $"{reader}.Read{WriteEmitter.ScalarMethodSuffix(element.Kind)}()",
    };

    /// <summary>Known tags in their versions become properties; every other tag is kept, bytes and all, to be written back.</summary>
    private void EmitTaggedSection(StructModel structModel)
    {
        var tagged = structModel.TaggedFields.ToList();
        if (tagged.Count == 0)
        {
            code.Line("result.UnknownTaggedFields = TaggedFieldSection.ReadUnknown(ref reader);");
            return;
        }
        code.Line("var taggedFieldCount = reader.ReadUnsignedVarInt();");
        using (code.Block("for (var tagIndex = 0u; tagIndex < taggedFieldCount; tagIndex++)"))
        {
            code.Line("var taggedReader = reader.ReadTaggedFieldValue(out var tag);");
            using (code.Block("switch (tag)"))
            {
                foreach (var field in tagged)
                {
                    var inVersion = Condition.For(field.TaggedVersions, message.Flexible);
                    code.Line(inVersion.IsAlways ? $"case {field.Spec.Tag}:" : $"case {field.Spec.Tag} when {inVersion.Expression}:");
                    using (code.Block(null))
                    {
                        EmitField(structModel, field, "taggedReader");
                        code.Line("break;");
                    }
                }
                code.Line("default:");
                code.Line("    (result.UnknownTaggedFields ??= []).Add(new TaggedField(tag, taggedReader.ReadToEndCopy()));");
                code.Line("    break;");
            }
        }
    }
}
