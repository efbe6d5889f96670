namespace Tributary.Broker.Handlers.Groups;

/// <summary>Client addresses as Kafka reports them in DescribeGroups: Java's InetAddress text, "/127.0.0.1".</summary>
internal static class ClientAddress
{
    /// <summary>The address with Kafka's leading slash.</summary>
    public static string AsKafkaShowsIt(string host) => host.StartsWith('/') ? host : "/" + host;
}
