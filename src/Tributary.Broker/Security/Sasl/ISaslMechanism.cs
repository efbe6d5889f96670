namespace Tributary.Broker.Security.Sasl;

/// <summary>A SASL mechanism the broker offers (PLAIN, SCRAM-SHA-256, ...): starts one server exchange per authentication.</summary>
internal interface ISaslMechanism
{
    /// <summary>The mechanism's name as clients send it in SaslHandshake, e.g. <c>SCRAM-SHA-512</c>.</summary>
    string Name { get; }

    /// <summary>A fresh exchange for one connection's authentication.</summary>
    ISaslServer CreateServer();
}

/// <summary>
/// The server side of one SASL exchange: takes the client's tokens one at a time and answers each with a challenge,
/// the authenticated principal, or a failure. Never throws for bad client input; it fails instead.
/// </summary>
internal interface ISaslServer
{
    /// <summary>Evaluates the client's next token.</summary>
    SaslStep Evaluate(ReadOnlySpan<byte> response);
}

/// <summary>How a SASL step ended.</summary>
internal enum SaslStepKind
{
    /// <summary>Send the challenge and wait for the client's next token.</summary>
    Continue,

    /// <summary>The client is authenticated; send the (possibly empty) final challenge.</summary>
    Complete,

    /// <summary>Authentication failed; tell the client why and close.</summary>
    Fail,
}

/// <summary>The result of one <see cref="ISaslServer.Evaluate"/> call.</summary>
/// <param name="Kind">How the step ended.</param>
/// <param name="Challenge">The bytes to send back (empty for none).</param>
/// <param name="Principal">The authenticated principal, when <see cref="SaslStepKind.Complete"/>.</param>
/// <param name="Error">Why authentication failed, when <see cref="SaslStepKind.Fail"/>; never says which part of a credential was right.</param>
internal readonly record struct SaslStep(SaslStepKind Kind, byte[] Challenge, KafkaPrincipal? Principal = null, string? Error = null)
{
    /// <summary>Send <paramref name="challenge"/> and wait for more.</summary>
    public static SaslStep Continue(byte[] challenge) => new(SaslStepKind.Continue, challenge);

    /// <summary>Authenticated as <c>User:<paramref name="user"/></c>, answering with <paramref name="challenge"/>.</summary>
    public static SaslStep Complete(string user, byte[] challenge) => new(SaslStepKind.Complete, challenge, new KafkaPrincipal("User", user));

    /// <summary>Failed because of <paramref name="error"/>.</summary>
    public static SaslStep Fail(string error) => new(SaslStepKind.Fail, [], Error: "Authentication failed: " + error);
}
