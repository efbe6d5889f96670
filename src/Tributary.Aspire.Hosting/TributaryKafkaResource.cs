namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The embedded Kafka cluster as an Aspire resource: the <c>tributary broker</c> process (the .NET tool
/// <c>Tributary.Cli</c>), listening on 127.0.0.1. Its connection string is the bootstrap servers as
/// <c>host:port</c>, the form Aspire's own Kafka resource gives, so <c>Aspire.Confluent.Kafka</c> clients (or
/// Confluent.Kafka with <c>BootstrapServers</c> = the connection string) work unchanged.
/// </summary>
/// <param name="name">The resource's name (also the connection string's name).</param>
/// <param name="workingDirectory">The process's working directory.</param>
public sealed class TributaryKafkaResource(string name, string workingDirectory)
    : ExecutableResource(name, TributaryKafkaResource.ToolCommand, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The name of the resource's Kafka endpoint.</summary>
    public const string PrimaryEndpointName = "tcp";

    /// <summary>The command of the <c>Tributary.Cli</c> .NET tool on the PATH, used unless a path is given.</summary>
    public const string ToolCommand = "tributary";

    private EndpointReference? _primaryEndpoint;

    /// <summary>The Kafka endpoint (the first broker's port).</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>The bootstrap servers, <c>host:port</c>.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");

    /// <summary>
    /// The <c>tributary</c> executable or <c>tributary.dll</c> to run (a <c>.dll</c> runs with <c>dotnet</c>); null
    /// runs the tool command <c>tributary</c> from the PATH.
    /// </summary>
    public string? CliPath { get; internal set; }

    /// <summary>Number of brokers in the cluster (their ports follow the endpoint's).</summary>
    public int Brokers { get; internal set; } = 1;
}
