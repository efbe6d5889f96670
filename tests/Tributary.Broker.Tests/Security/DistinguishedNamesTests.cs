using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Tributary.Broker.Security.Tls;

namespace Tributary.Broker.Tests.Security;

/// <summary>Certificate subjects written as Java's X500Principal.getName() (RFC 2253), as Kafka's principal builder does.</summary>
public class DistinguishedNamesTests
{
    [Theory]
    [InlineData("CN=carol", "CN=carol")]
    [InlineData("CN=carol, OU=testing, O=Tributary, C=NL", "CN=carol,OU=testing,O=Tributary,C=NL")]
    [InlineData("CN=carol, L=Amsterdam, ST=Noord-Holland, STREET=Dam 1, DC=example, DC=com, UID=c1", "CN=carol,L=Amsterdam,ST=Noord-Holland,STREET=Dam 1,DC=example,DC=com,UID=c1")]
    public void Names_are_written_most_specific_first_without_spaces(string subject, string expected)
    {
        Assert.Equal(expected, DistinguishedNames.ToRfc2253(new X500DistinguishedName(subject)));
    }

    [Theory]
    [InlineData("Smith, John", "CN=Smith\\, John")]
    [InlineData("a+b<c>d;e\"f\\g", "CN=a\\+b\\<c\\>d\\;e\\\"f\\\\g")]
    [InlineData("#hash", "CN=\\#hash")]
    [InlineData(" padded ", "CN=\\ padded\\ ")]
    public void Special_characters_are_escaped_with_a_backslash(string commonName, string expected)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        Assert.Equal(expected, DistinguishedNames.ToRfc2253(builder.Build()));
    }

    [Fact]
    public void Attributes_without_an_rfc_2253_keyword_are_written_as_oid_and_hex()
    {
        var name = new X500DistinguishedName("CN=carol, E=carol@example.com");
        Assert.Equal("CN=carol,1.2.840.113549.1.9.1=#16116361726f6c406578616d706c652e636f6d", DistinguishedNames.ToRfc2253(name));
    }

    [Fact]
    public void A_multi_valued_part_is_joined_with_a_plus()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSetOf()) Attribute(writer, "2.5.4.10", "Tributary");
            using (writer.PushSetOf())
            {
                Attribute(writer, "2.5.4.3", "carol");
                Attribute(writer, "2.5.4.11", "testing");
            }
        }
        Assert.Equal("CN=carol+OU=testing,O=Tributary", DistinguishedNames.ToRfc2253(new X500DistinguishedName(writer.Encode())));
    }

    private static void Attribute(AsnWriter writer, string oid, string value)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            writer.WriteCharacterString(UniversalTagNumber.UTF8String, value);
        }
    }
}
