using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Tributary.Broker.Security.Tls;

/// <summary>
/// Writes a distinguished name as Java's <c>X500Principal.getName()</c> does (RFC 2253), which is what Kafka's
/// default principal builder puts after <c>User:</c> for a client certificate: most specific part first, no spaces
/// after commas (<c>CN=carol,OU=testing,O=Tributary</c>), multi-valued parts joined by '+', keywords only for the
/// attributes RFC 2253 names and <c>oid=#hex</c> for the others.
/// </summary>
internal static class DistinguishedNames
{
    private static readonly Dictionary<string, string> Keywords = new()
    {
        ["2.5.4.3"] = "CN", ["2.5.4.6"] = "C", ["2.5.4.7"] = "L", ["2.5.4.8"] = "ST", ["2.5.4.10"] = "O",
        ["2.5.4.11"] = "OU", ["2.5.4.9"] = "STREET", ["0.9.2342.19200300.100.1.25"] = "DC", ["0.9.2342.19200300.100.1.1"] = "UID",
    };

    /// <summary>The RFC 2253 form of <paramref name="name"/>.</summary>
    /// <exception cref="AsnContentException">The name is not valid DER.</exception>
    public static string ToRfc2253(X500DistinguishedName name)
    {
        var sequence = new AsnReader(name.RawData, AsnEncodingRules.DER).ReadSequence();
        var parts = new List<string>();
        while (sequence.HasData)
        {
            var set = sequence.ReadSetOf();
            var attributes = new List<string>();
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                var value = attribute.ReadEncodedValue();
                attributes.Add(Keywords.TryGetValue(oid, out var keyword) && TryReadString(value, out var text)
                    ? $"{keyword}={Escape(text)}"
                    : $"{oid}=#{Convert.ToHexStringLower(value.Span)}");
            }
            parts.Add(string.Join('+', attributes));
        }
        parts.Reverse(); // DER lists the most general part first; RFC 2253 the most specific
        return string.Join(',', parts);
    }

    private static bool TryReadString(ReadOnlyMemory<byte> encoded, out string text)
    {
        var reader = new AsnReader(encoded, AsnEncodingRules.BER);
        var tag = reader.PeekTag();
        if (tag.TagClass == TagClass.Universal && (UniversalTagNumber)tag.TagValue is UniversalTagNumber.UTF8String
                or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String or UniversalTagNumber.BMPString
                or UniversalTagNumber.T61String or UniversalTagNumber.UniversalString or UniversalTagNumber.VisibleString)
        {
            text = reader.ReadCharacterString((UniversalTagNumber)tag.TagValue);
            return true;
        }
        text = "";
        return false;
    }

    /// <summary>RFC 2253 section 2.4: backslash before , + " \ &lt; &gt; ;, a leading '#' or space, and a trailing space.</summary>
    private static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' || (i == 0 && c is '#' or ' ') || (i == value.Length - 1 && c == ' '))
                escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
