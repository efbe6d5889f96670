using Tributary.Cli.Clients;
using Tributary.Cli.Common;

namespace Tributary.Cli.Tests;

/// <summary>Offset specs and output formats, parsed directly.</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData("beginning", typeof(OffsetSpec.Beginning))]
    [InlineData("end", typeof(OffsetSpec.End))]
    [InlineData("42", typeof(OffsetSpec.Absolute))]
    [InlineData("-5", typeof(OffsetSpec.FromEnd))]
    [InlineData("s@1700000000000", typeof(OffsetSpec.AtTimestamp))]
    public void Offset_specs(string text, Type kind) => Assert.IsType(kind, OffsetSpec.Parse(text));

    [Fact]
    public void Offset_spec_values() =>
        Assert.Equal(
            [new OffsetSpec.Absolute(42), new OffsetSpec.FromEnd(5), new OffsetSpec.AtTimestamp(1700000000000)],
            new[] { "42", "-5", "s@1700000000000" }.Select(OffsetSpec.Parse));

    [Theory]
    [InlineData("")]
    [InlineData("Beginning")]
    [InlineData("-0")]
    [InlineData("--5")]
    [InlineData("+5")]
    [InlineData("s@")]
    [InlineData("s@-1")]
    [InlineData("1.5")]
    public void Bad_offset_specs(string text) =>
        Assert.StartsWith($"bad offset spec '{text}'", Assert.Throws<UserErrorException>(() => OffsetSpec.Parse(text)).Message);

    [Theory]
    [InlineData("%q", "unknown token %q")]
    [InlineData("abc%", "lone '%'")]
    [InlineData("abc\\", "lone '\\'")]
    [InlineData("\\x", "unknown escape")]
    public void Bad_formats(string format, string message) =>
        Assert.Contains(message, Assert.Throws<UserErrorException>(() => MessageFormat.Parse(format)).Message);
}
