namespace Tributary.Broker.Security;

/// <summary>
/// Who sent a request, as Kafka names it: a type and a name, written <c>Type:Name</c> (e.g. <c>User:alice</c>).
/// A connection that has not authenticated (a PLAINTEXT listener) is <c>User:ANONYMOUS</c>, as in Kafka.
/// </summary>
/// <param name="Type">The principal type; Kafka's principal builder always gives <c>User</c>.</param>
/// <param name="Name">The user name, certificate subject or token subject.</param>
public sealed record KafkaPrincipal(string Type, string Name)
{
    /// <summary>The principal of a connection that did not authenticate.</summary>
    public static KafkaPrincipal Anonymous { get; } = new("User", "ANONYMOUS");

    /// <summary>Parses <c>Type:Name</c>; the name may itself contain colons.</summary>
    /// <exception cref="FormatException">There is no colon, or the type or the name is empty.</exception>
    public static KafkaPrincipal Parse(string text)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) throw new FormatException($"'{text}' is not a principal of the form Type:Name (for example User:alice).");
        return new KafkaPrincipal(text[..colon], text[(colon + 1)..]);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type}:{Name}";
}
