using Tributary.Abstractions;

namespace Tributary.Cli.TestPlugin;

/// <summary>Reverses each value, tags it with a header, and drops records whose value is "drop".</summary>
public sealed class ReverseTransform : IMessageTransform
{
    public TransformMessage? Transform(TransformMessage message) => message.ValueText switch
    {
        "drop" => null,
        { } text => message.WithValueText(new string(text.Reverse().ToArray())) with
        {
            Headers = [.. message.Headers, KeyValuePair.Create("plugin", (byte[]?)"reverse"u8.ToArray())],
        },
        null => message,
    };
}
