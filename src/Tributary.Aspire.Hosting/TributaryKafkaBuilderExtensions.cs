using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Tributary.Hosting;

namespace Aspire.Hosting;

/// <summary>Adds Tributary's embedded Kafka cluster to an Aspire app host.</summary>
public static class TributaryKafkaBuilderExtensions
{
    /// <summary>
    /// The app host's configuration key of the <c>tributary</c> executable or <c>tributary.dll</c> to run (e.g. the
    /// environment variable <c>Tributary__CliPath</c>), when <see cref="WithCliPath"/> does not give one.
    /// </summary>
    public const string CliPathConfigurationKey = "Tributary:CliPath";

    /// <summary>
    /// Adds the embedded Kafka cluster, the <c>tributary broker</c> process, as the resource <paramref name="name"/>: no
    /// container, its stdout and stderr in the dashboard's logs, healthy once it answers a Kafka metadata request.
    /// Services <c>.WithReference(kafka)</c> get <c>ConnectionStrings__{name}</c> = its bootstrap servers
    /// (<c>localhost:port</c>), as with Aspire's own Kafka resource. The executable is, in this order: the path given to
    /// <see cref="WithCliPath"/>; the app host's configuration <see cref="CliPathConfigurationKey"/>; the
    /// <c>tributary</c> command on the PATH (<c>dotnet tool install --global Tributary.Cli</c>).
    /// </summary>
    /// <param name="builder">The app host's builder.</param>
    /// <param name="name">The resource's name, and its connection string's.</param>
    /// <param name="port">Port of the first broker; null picks a free one when the app host is built.</param>
    /// <param name="brokers">Number of brokers; the others listen on the ports after <paramref name="port"/>.</param>
    public static IResourceBuilder<TributaryKafkaResource> AddTributaryKafka(this IDistributedApplicationBuilder builder, string name, int? port = null, int brokers = 1)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        var resource = new TributaryKafkaResource(name, builder.AppHostDirectory) { Brokers = brokers };
        // The broker advertises the port it listens on, so clients must reach it there: no proxy in between.
        var brokerPort = port ?? FreePort();

        string? bootstrapServers = null;
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (_, cancellationToken) =>
            bootstrapServers = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddKafkaBroker(healthCheck,
            _ => bootstrapServers ?? throw new InvalidOperationException($"{name} has not started yet."));

        var kafka = builder.AddResource(resource)
            .WithEndpoint(port: brokerPort, targetPort: brokerPort, scheme: "tcp", name: TributaryKafkaResource.PrimaryEndpointName, isProxied: false)
            .WithArgs(context =>
            {
                if (resource.CliPath is { } path && IsAssembly(path))
                    context.Args.Add(path);
                context.Args.Add("broker");
                context.Args.Add("--port");
                context.Args.Add(brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
                context.Args.Add("--brokers");
                context.Args.Add(resource.Brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
            })
            .WithHealthCheck(healthCheck);
        return builder.Configuration[CliPathConfigurationKey] is { Length: > 0 } configured ? kafka.WithCliPath(configured) : kafka;
    }

    /// <summary>
    /// Runs the <c>tributary</c> executable at <paramref name="path"/>, or <c>dotnet path</c> when it is a
    /// <c>tributary.dll</c> (e.g. the build output of src/Tributary.Cli).
    /// </summary>
    /// <param name="builder">The resource.</param>
    /// <param name="path">The executable or assembly.</param>
    public static IResourceBuilder<TributaryKafkaResource> WithCliPath(this IResourceBuilder<TributaryKafkaResource> builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory);
        builder.Resource.CliPath = fullPath;
        return builder.WithCommand(IsAssembly(fullPath) ? "dotnet" : fullPath);
    }

    private static bool IsAssembly(string path) => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
