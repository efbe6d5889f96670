using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Confluent.Kafka;

namespace Tributary.Cli.Clients;

/// <summary>
/// kcat's <c>-J</c> output: one JSON object per line with topic, partition, offset, tstype, ts, headers (a flat
/// name, value, name, value array), key and payload. Keys, values and headers are UTF-8 text or null. Strings are
/// escaped as kcat escapes them (<c>\"</c>, <c>\\</c>, control characters); other characters are written as they are.
/// </summary>
internal static class JsonMessageWriter
{
    // The default encoder writes '"' as \u0022 and every non-ASCII character as \uXXXX: valid JSON, but not kcat's output.
    private static readonly JsonWriterOptions KcatEscaping = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter output, ConsumeResult<byte[], byte[]> record)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, KcatEscaping))
        {
            json.WriteStartObject();
            json.WriteString("topic", record.Topic);
            json.WriteNumber("partition", record.Partition.Value);
            json.WriteNumber("offset", record.Offset.Value);
            json.WriteString("tstype", record.Message.Timestamp.Type switch
            {
                TimestampType.CreateTime => "create",
                TimestampType.LogAppendTime => "logappend",
                _ => "unknown",
            });
            json.WriteNumber("ts", record.Message.Timestamp.UnixTimestampMs);
            json.WriteStartArray("headers");
            foreach (var header in record.Message.Headers ?? [])
            {
                json.WriteStringValue(header.Key);
                WriteText(json, header.GetValueBytes());
            }
            json.WriteEndArray();
            json.WritePropertyName("key");
            WriteText(json, record.Message.Key);
            json.WritePropertyName("payload");
            WriteText(json, record.Message.Value);
            json.WriteEndObject();
        }
        output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Write('\n');
    }

    private static void WriteText(Utf8JsonWriter json, byte[]? bytes)
    {
        if (bytes is null)
            json.WriteNullValue();
        else
            json.WriteStringValue(Encoding.UTF8.GetString(bytes));
    }
}
