using Tributary.ProtocolGen.Model;
using Tributary.ProtocolGen.Schema;

namespace Tributary.ProtocolGen.Emit;

/// <summary>Emits the <c>Write(KafkaWriter, short)</c> method of a message or struct class.</summary>
internal sealed class WriteEmitter(MessageModel message, CodeWriter code)
{
    public void Emit(StructModel structModel)
    {
        code.Line(structModel.IsMessage ? "/// <inheritdoc />" : "/// <summary>Writes this struct in the encoding of <paramref name=\"version\"/> of the enclosing message.</summary>");
        using (code.Block("public void Write(KafkaWriter writer, short version)"))
        {
            if (structModel.IsMessage)
                code.Line($"UnsupportedVersionException.ThrowIfUnsupported(\"{message.Name}\", version, LowestSupportedVersion, HighestSupportedVersion);");
            foreach (var field in structModel.Fields) EmitField(structModel, field);
            code.If(Condition.For(message.Flexible, message.Supported), () => EmitTaggedSection(structModel));
        }
    }

    private string Owner(StructModel structModel) => structModel.IsMessage ? message.Name : $"{message.Name}.{structModel.ClassName}";

    /// <summary>
    /// Writes an ordinary field where it exists. Where it does not, a non-default value of a non-ignorable
    /// field is an error (the peer would silently lose it); ignorable fields are dropped, as Kafka does.
    /// </summary>
    private void EmitField(StructModel owner, FieldModel field)
    {
        var present = Condition.For(field.Versions, message.Supported);
        var checkAbsent = !field.Spec.Ignorable && !present.IsAlways;
        var throwAbsent = $"throw UnsupportedVersionException.NonDefaultField(\"{Owner(owner)}\", \"{field.Name}\", version);";
        if (field.IsTagged)
        {
            // Tagged fields are written in the tagged section; only the check for versions without them goes here.
            if (checkAbsent) code.Line($"if ({present.Negated} && {CSharpTypes.NonDefault(field, field.Name)}) {throwAbsent}");
            return;
        }
        if (present.IsAlways)
        {
            EmitPresentField(owner, field, "writer");
            return;
        }
        using (code.Block($"if ({present.Expression})")) EmitPresentField(owner, field, "writer");
        if (checkAbsent)
        {
            using (code.Block($"else if ({CSharpTypes.NonDefault(field, field.Name)})")) code.Line(throwAbsent);
        }
    }

    private void EmitPresentField(StructModel owner, FieldModel field, string writer)
    {
        var nullable = Condition.For(field.NullableVersions, field.Versions);
        if (field.IsNullable && !nullable.IsAlways)
            code.Line($"if ({field.Name} is null && {nullable.Negated}) throw UnsupportedVersionException.NullField(\"{Owner(owner)}\", \"{field.Name}\", version);");
        EmitValue(field, field.Type, field.Name, writer, isElement: false);
    }

    private void EmitValue(FieldModel field, FieldType type, string value, string writer, bool isElement)
    {
        var compact = Condition.For(field.FlexibleVersions, field.Versions);
        switch (type.Kind)
        {
            case TypeKind.String:
                code.IfElse(compact,
                    () => code.Line($"{writer}.WriteCompactNullableString({value});"),
                    () => code.Line($"{writer}.WriteNullableString({value});"));
                break;
            case TypeKind.Bytes:
                code.IfElse(compact,
                    () => code.Line($"{writer}.WriteCompactNullableBytes({value}, {value} is null);"),
                    () => code.Line($"{writer}.WriteNullableBytes({value}, {value} is null);"));
                break;
            case TypeKind.Records:
                code.IfElse(compact,
                    () => code.Line($"{writer}.WriteCompactRecords({value});"),
                    () => code.Line($"{writer}.WriteRecords({value});"));
                break;
            case TypeKind.Struct:
                EmitStruct(field, value, writer, isElement);
                break;
            case TypeKind.Array:
                EmitArray(field, type, value, writer, compact);
                break;
            default:
                code.Line($"{writer}.Write{ScalarMethodSuffix(type.Kind)}({value});");
                break;
        }
    }

    /// <summary>A nullable struct is preceded by a marker byte: -1 for null, 1 when present.</summary>
    private void EmitStruct(FieldModel field, string value, string writer, bool isElement)
    {
        if (isElement || !field.IsNullable)
        {
            code.Line($"{value}.Write({writer}, version);");
            return;
        }
        using (code.Block($"if ({value} is null)")) code.Line($"{writer}.WriteInt8(-1);");
        using (code.Block("else"))
        {
            var nullable = Condition.For(field.NullableVersions, field.Versions);
            if (nullable.IsAlways) code.Line($"{writer}.WriteInt8(1);");
            else code.Line($"if ({nullable.Expression}) {writer}.WriteInt8(1);");
            code.Line($"{value}.Write({writer}, version);");
        }
    }

    private void EmitArray(FieldModel field, FieldType type, string value, string writer, Condition compact)
    {
        var count = field.IsNullable ? $"{value}?.Count ?? -1" : $"{value}.Count";
        code.IfElse(compact,
            () => code.Line($"{writer}.WriteCompactArrayLength({count});"),
            () => code.Line($"{writer}.WriteArrayLength({count});"));
        void Elements()
        {
            using (code.Block($"foreach (var element in {value})")) EmitValue(field, type.Element!, "element", writer, isElement: true);
        }
        if (field.IsNullable)
        {
            using (code.Block($"if ({value} is not null)")) Elements();
        }
        else
        {
            Elements();
        }
    }

    /// <summary>
    /// The tagged section: the number of fields, then each (tag, size, value) in ascending tag order, known
    /// fields only when they differ from their default, and unknown ones kept from reading merged in by tag.
    /// </summary>
    private void EmitTaggedSection(StructModel structModel)
    {
        var tagged = structModel.TaggedFields.ToList();
        if (tagged.Count == 0)
        {
            code.Line("TaggedFieldSection.WriteUnknown(writer, UnknownTaggedFields);");
            return;
        }
        foreach (var field in tagged)
        {
            var inVersion = Condition.For(field.TaggedVersions, message.Flexible);
            var nonDefault = CSharpTypes.NonDefault(field, field.Name);
            code.Line($"var write{field.Name} = {(inVersion.IsAlways ? nonDefault : $"{inVersion.Expression} && {nonDefault}")};");
        }
        code.Line("var unknownTags = new UnknownTaggedFieldWriter(UnknownTaggedFields);");
        var knownCount = string.Concat(tagged.Select(f => $" + (write{f.Name} ? 1 : 0)"));
        code.Line($"writer.WriteUnsignedVarInt((uint)(unknownTags.Count{knownCount}));");
        foreach (var field in tagged)
        {
            using (code.Block($"if (write{field.Name})"))
            {
                code.Line($"unknownTags.WriteBefore(writer, {field.Spec.Tag});");
                code.Line("using var buffer = new PooledBufferWriter();");
                code.Line("var taggedWriter = new KafkaWriter(buffer);");
                EmitPresentField(structModel, field, "taggedWriter");
                code.Line($"writer.WriteTaggedField({field.Spec.Tag}, buffer.WrittenSpan);");
            }
        }
        code.Line("unknownTags.WriteRemaining(writer);");
    }

    /// <summary>The KafkaWriter/KafkaReader method suffix for a fixed-size type, e.g. "Int32".</summary>
    public static string ScalarMethodSuffix(TypeKind kind) => kind switch
    {
        TypeKind.Bool => "Bool",
        TypeKind.Int8 => "Int8",
        TypeKind.Int16 => "Int16",
        TypeKind.UInt16 => "UInt16",
        TypeKind.Int32 => "Int32",
        TypeKind.Int64 => "Int64",
        TypeKind.Float64 => "Float64",
        TypeKind.Uuid => "Uuid",
        _ => throw new InvalidOperationException($"{kind} is not a fixed-size type."),
    };
}
