namespace Tributary.Protocol.Messages;

/// <summary>Reads and writes tagged-field sections of structs that have no known tagged fields.</summary>
internal static class TaggedFieldSection
{
    /// <summary>Reads a whole tagged-field section, keeping every field; null when the section is empty.</summary>
    public static List<TaggedField>? ReadUnknown(ref KafkaReader reader)
    {
        var count = reader.ReadUnsignedVarInt();
        if (count == 0) return null;
        // No pre-sizing from the count: it comes from the wire, and each field is at least two bytes anyway.
        var fields = new List<TaggedField>();
        for (var i = 0u; i < count; i++)
        {
            var value = reader.ReadTaggedFieldValue(out var tag);
            fields.Add(new TaggedField(tag, value.ReadToEndCopy()));
        }
        return fields;
    }

    /// <summary>Writes a tagged-field section made only of previously read unknown fields.</summary>
    public static void WriteUnknown(KafkaWriter writer, List<TaggedField>? fields)
    {
        writer.WriteUnsignedVarInt((uint)(fields?.Count ?? 0));
        if (fields is null) return;
        foreach (var field in fields) writer.WriteTaggedField(field.Tag, field.Data);
    }
}

/// <summary>
/// Merges unknown tagged fields into a section that also has known ones, so that the whole section stays in
/// ascending tag order: before each known tag, the unknown fields with smaller tags are written.
/// </summary>
/// <remarks>Unknown fields are expected in ascending tag order, as they are when read.</remarks>
internal ref struct UnknownTaggedFieldWriter(List<TaggedField>? fields)
{
    private int _next;

    /// <summary>How many unknown fields the section will hold.</summary>
    public readonly int Count => fields?.Count ?? 0;

    /// <summary>Writes the pending unknown fields whose tag is below <paramref name="tag"/>.</summary>
    public void WriteBefore(KafkaWriter writer, int tag)
    {
        if (fields is null) return;
        while (_next < fields.Count && fields[_next].Tag < tag)
        {
            writer.WriteTaggedField(fields[_next].Tag, fields[_next].Data);
            _next++;
        }
    }

    /// <summary>Writes every unknown field not written yet.</summary>
    public void WriteRemaining(KafkaWriter writer) => WriteBefore(writer, int.MaxValue);
}
