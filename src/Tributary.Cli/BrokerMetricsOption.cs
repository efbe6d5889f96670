using System.CommandLine;
using System.Runtime.CompilerServices;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Tributary.Broker;
using Tributary.Cli.Common;

namespace Tributary.Cli;

/// <summary>
/// <c>tributary broker --metrics-port PORT</c>: serves the cluster's metrics (the <c>Tributary.Broker</c> meter, named
/// after Kafka's JMX MBeans) in Prometheus text format on <c>http://127.0.0.1:PORT/metrics</c>, through OpenTelemetry's
/// Prometheus exporter, while the broker runs.
/// </summary>
internal sealed class BrokerMetricsOption
{
    private readonly Option<int?> _port = new("--metrics-port")
    {
        Description = "Serve the brokers' metrics in Prometheus text format on http://127.0.0.1:PORT/metrics (off by default).",
    };

    /// <summary>Adds the option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Options.Add(_port);

    /// <summary>The port asked for, or null.</summary>
    /// <exception cref="UserErrorException">The port is out of range.</exception>
    public int? Parse(ParseResult result) => result.GetValue(_port) switch
    {
        null => null,
        var port and (< 1 or > 65535) => throw new UserErrorException($"bad --metrics-port {port}: give a port from 1 to 65535"),
        var port => port,
    };

    /// <summary>Starts serving on <paramref name="port"/> (nothing when null); dispose the result to stop.</summary>
    /// <exception cref="UserErrorException">The port cannot be listened on.</exception>
    public static IDisposable? Serve(int? port) => port is { } listen ? Listen(listen) : null;

    // Apart from Serve, and never inlined into it: compiling a method loads the assemblies it names, so a broker without
    // --metrics-port never loads OpenTelemetry, its exporter and System.Net.HttpListener (about 0.8 MB resident).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IDisposable Listen(int listen)
    {
        try
        {
            return Sdk.CreateMeterProviderBuilder()
                .AddMeter(EmbeddedKafkaCluster.MeterName)
                .AddPrometheusHttpListener(options =>
                {
                    options.Host = "127.0.0.1";
                    options.Port = listen;
                    options.TargetInfoEnabled = false; // no process resource to describe
                })
                .Build();
        }
        catch (System.Net.HttpListenerException e)
        {
            throw new UserErrorException($"cannot serve metrics on 127.0.0.1:{listen}: {e.Message}");
        }
    }
}
