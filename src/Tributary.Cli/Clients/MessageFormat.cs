using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Tributary.Cli.Common;

namespace Tributary.Cli.Clients;

/// <summary>
/// kcat's <c>-f</c> output format: <c>%t</c> topic, <c>%p</c> partition, <c>%o</c> offset, <c>%k</c> key,
/// <c>%s</c> value, <c>%K</c> and <c>%S</c> their lengths, <c>%h</c> headers (name=value,...), <c>%T</c> timestamp
/// (Unix ms), <c>%%</c> a percent sign; <c>\n</c>, <c>\t</c>, <c>\r</c> and <c>\\</c> escapes. No newline is added.
/// </summary>
internal sealed class MessageFormat
{
    private readonly string[] _parts; // literal text at even indexes, one-letter tokens at odd ones

    private MessageFormat(string[] parts) => _parts = parts;

    /// <summary>Parses a format string.</summary>
    /// <exception cref="UserErrorException">It has an unknown token or ends in a lone % or \.</exception>
    public static MessageFormat Parse(string format)
    {
        var parts = new List<string>();
        var literal = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if (c is not ('%' or '\\'))
            {
                literal.Append(c);
                continue;
            }
            if (i + 1 == format.Length)
                throw new UserErrorException($"bad format '{format}': it ends in a lone '{c}'");
            var next = format[++i];
            if (c == '\\')
                literal.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '\\' => '\\', _ => throw new UserErrorException($"bad format '{format}': unknown escape \\{next}") });
            else if (next == '%')
                literal.Append('%');
            else if ("tpokKsShT".Contains(next))
            {
                parts.Add(literal.ToString());
                parts.Add(next.ToString());
                literal.Clear();
            }
            else
                throw new UserErrorException($"bad format '{format}': unknown token %{next} (known: %t %p %o %k %K %s %S %h %T %%)");
        }
        parts.Add(literal.ToString());
        return new MessageFormat(parts.ToArray());
    }

    /// <summary>Writes <paramref name="record"/> in this format.</summary>
    public void Write(TextWriter output, ConsumeResult<byte[], byte[]> record)
    {
        for (var i = 0; i < _parts.Length; i++)
            output.Write(i % 2 == 0 ? _parts[i] : Token(_parts[i][0], record));
    }

    private static string Token(char token, ConsumeResult<byte[], byte[]> record) => token switch
    {
        't' => record.Topic,
        'p' => record.Partition.Value.ToString(CultureInfo.InvariantCulture),
        'o' => record.Offset.Value.ToString(CultureInfo.InvariantCulture),
        'k' => Text(record.Message.Key),
        'K' => (record.Message.Key?.Length ?? -1).ToString(CultureInfo.InvariantCulture),
        's' => Text(record.Message.Value),
        'S' => (record.Message.Value?.Length ?? -1).ToString(CultureInfo.InvariantCulture),
        'h' => string.Join(',', (record.Message.Headers ?? []).Select(h => $"{h.Key}={Text(h.GetValueBytes())}")),
        'T' => record.Message.Timestamp.UnixTimestampMs.ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"Unparsed token %{token}."),
    };

    /// <summary>Bytes as UTF-8 text; null as the empty string.</summary>
    public static string Text(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);
}
