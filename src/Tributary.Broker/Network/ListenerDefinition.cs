using Tributary.Broker.Security.Sasl;

namespace Tributary.Broker.Network;

/// <summary>One of the cluster's listeners as the network layer needs it: its place in the list, its name and protocol, and the SASL mechanisms it offers.</summary>
internal sealed class ListenerDefinition
{
    /// <summary>A lone PLAINTEXT listener (the default, and what tests of the network layer use).</summary>
    public static ListenerDefinition Plaintext { get; } = new(0, new ListenerOptions(KafkaSecurityProtocol.Plaintext), []);

    public ListenerDefinition(int index, ListenerOptions options, IReadOnlyList<ISaslMechanism> saslMechanisms)
    {
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

    /// <summary>The SASL mechanisms offered, in the order SaslHandshake lists them; empty when the listener does not use SASL.</summary>
    public IReadOnlyList<ISaslMechanism> SaslMechanisms { get; }
}
