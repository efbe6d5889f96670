namespace Tributary.Broker.Handlers;

/// <summary>The resource types of the config APIs, numbered as on the wire.</summary>
internal enum ConfigResourceType : sbyte
{
    Topic = 2,
    Broker = 4,
    BrokerLogger = 8,
}
