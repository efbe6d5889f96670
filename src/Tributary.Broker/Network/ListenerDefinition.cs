using Tributary.Broker.Security.Sasl;

namespace Tributary.Broker.Network;

/// <summary>
/// One of the cluster's listeners as the network layer needs it: its place in the list, its name and protocol,
/// its TLS endpoint and the SASL mechanisms it offers.
/// </summary>
internal sealed class ListenerDefinition
{
    /// <summary>A lone PLAINTEXT listener (the default, and what tests of the network layer use).</summary>
    public static ListenerDefinition Plaintext { get; } = new(0, new ListenerOptions(KafkaSecurityProtocol.Plaintext), [], null);

    public ListenerDefinition(int index, ListenerOptions options, IReadOnlyList<ISaslMechanism> saslMechanisms, TlsEndpoint? tls)
    {
        if (options.SecurityProtocol.UsesTls() != tls is not null) throw new ArgumentException($"Listener {options.EffectiveName} needs a TLS endpoint exactly when it uses TLS.", nameof(tls));
        Tls = tls;
        Index = index;
        Name = options.EffectiveName;
        SecurityProtocol = options.SecurityProtocol;
        SaslMechanisms = SecurityProtocol.UsesSasl() ? saslMechanisms : [];
    }

    /// <summary>The listener's index in the cluster's listeners (the order of <see cref="EmbeddedKafkaOptions.Listeners"/>).</summary>
    public int Index { get; }

    /// <summary>The listener name.</summary>
    public string Name { get; }

    /// <summary>How clients connect.</summary>
    public KafkaSecurityProtocol SecurityProtocol { get; }

    /// <summary>The TLS side of the listener; null when it does not use TLS.</summary>
    public TlsEndpoint? Tls { get; }

    /// <summary>The SASL mechanisms offered, in the order SaslHandshake lists them; empty when the listener does not use SASL.</summary>
    public IReadOnlyList<ISaslMechanism> SaslMechanisms { get; }
}
