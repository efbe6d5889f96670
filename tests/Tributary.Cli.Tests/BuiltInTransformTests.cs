using System.Text;
using Tributary.Abstractions;
using Tributary.Cli.Common;
using Tributary.Cli.Pipe;

namespace Tributary.Cli.Tests;

/// <summary>The built-in transforms of <c>pipe</c>, called directly.</summary>
public sealed class BuiltInTransformTests
{
    [Theory]
    [InlineData("upper", "Hello", "HELLO")]
    [InlineData("lower", "Hello", "hello")]
    [InlineData("s/l+/L/", "hello", "heLo")]
    [InlineData("s|(\\w+)@(\\w+)|$2 at $1|", "me@home", "home at me")]
    [InlineData("project:a,c", """{"a":1,"b":2,"c":{"d":3}}""", """{"a":1,"c":{"d":3}}""")]
    [InlineData("project:a", "not json", "not json")]
    [InlineData("project:a", "[1,2]", "[1,2]")]
    public void Value_transforms(string spec, string value, string expected) =>
        Assert.Equal(expected, BuiltInTransforms.Parse(spec).Transform(Message("k", value))?.ValueText);

    [Theory]
    [InlineData("key:^user-", "user-1", true)]
    [InlineData("key:^user-", "admin-1", false)]
    [InlineData("key:^user-", null, false)]
    public void Key_filter(string spec, string? key, bool kept) =>
        Assert.Equal(kept, BuiltInTransforms.Parse(spec).Transform(Message(key, "v")) is not null);

    [Theory]
    [InlineData("where:color=red", """{"color":"red"}""", true)]
    [InlineData("where:color=red", """{"color":"blue"}""", false)]
    [InlineData("where:count=3", """{"count":3}""", true)]
    [InlineData("where:ok=true", """{"ok":true}""", true)]
    [InlineData("where:color=red", """{"other":"red"}""", false)]
    [InlineData("where:color=red", "red", false)]
    public void Json_field_filter(string spec, string value, bool kept) =>
        Assert.Equal(kept, BuiltInTransforms.Parse(spec).Transform(Message("k", value)) is not null);

    [Fact]
    public void A_null_value_passes_value_transforms_unchanged()
    {
        var message = new TransformMessage { Key = "k"u8.ToArray(), Value = null };

        Assert.Same(message, BuiltInTransforms.Parse("upper").Transform(message));
    }

    [Fact]
    public void A_chain_applies_in_order_and_stops_at_a_drop()
    {
        var chain = new TransformChain([BuiltInTransforms.Parse("where:keep=yes"), BuiltInTransforms.Parse("upper")]);

        Assert.Equal("""{"KEEP":"YES"}""", chain.Transform(Message("k", """{"keep":"yes"}"""))?.ValueText);
        Assert.Null(chain.Transform(Message("k", """{"keep":"no"}""")));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("s/(/x/")]
    [InlineData("s/a/b")]
    [InlineData("project:")]
    [InlineData("where:novalue")]
    [InlineData("key:[")]
    public void Malformed_specs_are_user_errors(string spec) =>
        Assert.StartsWith($"bad transform '{spec}'", Assert.Throws<UserErrorException>(() => BuiltInTransforms.Parse(spec)).Message);

    private static TransformMessage Message(string? key, string value) => new()
    {
        Key = key is null ? null : Encoding.UTF8.GetBytes(key),
        Value = Encoding.UTF8.GetBytes(value),
    };
}
