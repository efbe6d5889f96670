namespace Tributary.Broker;

/// <summary>
/// One listener of every broker (Kafka's <c>listeners</c>): a name, a security protocol and a port per broker.
/// A client is answered with the brokers' addresses on the listener it connected to.
/// </summary>
/// <example>
/// <code>
/// Listeners = [new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.SaslSsl)]
/// </code>
/// </example>
/// <param name="SecurityProtocol">How clients connect to this listener.</param>
public sealed record ListenerOptions(KafkaSecurityProtocol SecurityProtocol)
{
    /// <summary>
    /// The listener name (Kafka's listener name, as in <c>listener.security.protocol.map</c>). Default: the security
    /// protocol's name (e.g. <c>SASL_SSL</c>); two listeners with the same protocol need names of their own.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// The port of broker 1 on this listener; broker n listens on <c>FirstPort + n - 1</c>. 0 (the default) picks free
    /// ports, except that the first listener falls back to <see cref="EmbeddedKafkaOptions.FirstPort"/>.
    /// </summary>
    public int FirstPort { get; init; }

    /// <summary>The listener name clients see: <see cref="Name"/>, or the protocol's name.</summary>
    public string EffectiveName => Name ?? SecurityProtocol.ToKafkaName();
}
