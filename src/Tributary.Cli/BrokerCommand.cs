using System.CommandLine;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Tributary.Broker;
using Tributary.Cli.Common;
using Tributary.Cli.Control;

namespace Tributary.Cli;

/// <summary>
/// <c>tributary broker</c>: runs an embedded Kafka cluster until Ctrl-C or SIGTERM. Stdout gets the bootstrap list of
/// each listener on its own line, the first listener's first, so scripts can read them; <c>--bootstrap-file</c> also
/// writes the first listener's list to a file, atomically (the file appears complete once the cluster serves) and
/// removes it on a clean stop. Logs go to stderr. <c>--authorizer</c> turns ACLs on and <c>--super-user</c> names the
/// principals they never stop. <c>--config KEY=VALUE</c> and <c>--config-file</c> (server.properties) set Kafka broker
/// configs by name; an unknown one or a bad value is one error line. <c>--control-port</c> serves the cluster's
/// controls over HTTP on 127.0.0.1 (<see cref="ControlServer"/>). <c>--data-dir</c> keeps the cluster in a directory
/// (Kafka's log layout), so a broker started again on it, even after being killed, goes on where it stopped.
/// </summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers.", DefaultValueFactory = _ => 1 };
        var port = new Option<int>("--port")
        {
            Description = "Port of the first broker on the first listener; the other brokers follow it, then each further listener's brokers. 0 picks free ports.",
            DefaultValueFactory = _ => 9092,
        };
        var host = new Option<string>("--host") { Description = "IPv4 address to listen on and advertise.", DefaultValueFactory = _ => "127.0.0.1" };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "Least severe log level shown on stderr: Trace, Debug (one line per request), Information, Warning, Error, Critical or None.",
            DefaultValueFactory = _ => LogLevel.Information,
        };
        var bootstrapFile = new Option<FileInfo?>("--bootstrap-file") { Description = "Also write the bootstrap list to this file (atomically, once the cluster serves; removed on exit)." };
        var authorizer = new Option<bool>("--authorizer") { Description = "Authorize every request with ACLs (off: everything is allowed)." };
        var superUsers = new Option<string[]>("--super-user") { Description = "A principal allowed everything whatever the ACLs, e.g. User:alice; repeatable." };
        var configs = new Option<string[]>("--config")
        {
            Description = "A Kafka broker config as KEY=VALUE, e.g. num.partitions=3 or broker.rack=a,b,c (one rack per broker); repeatable, wins over --config-file.",
        };
        var configFile = new Option<FileInfo?>("--config-file") { Description = "Kafka broker configs in server.properties syntax." };
        var controlPort = new Option<int?>("--control-port")
        {
            Description = "Serve the cluster's controls (stop, crash, latency, isolate, leader moves, request rules, ...) over HTTP with JSON on 127.0.0.1:PORT; 0 picks a free port.",
        };
        var controlFile = new Option<FileInfo?>("--control-file") { Description = "Also write the control URL to this file (atomically, once it serves; removed on exit)." };
        var dataDir = new Option<DirectoryInfo?>("--data-dir")
        {
            Description = "Keep topics, records, configs, ACLs and SCRAM users in this directory (Kafka's log layout, one log directory per broker) "
                + "and recover them when started again on it; without it everything is in memory.",
        };
        var security = new BrokerSecurityOptions();
        var command = new Command("broker", "Run an embedded Kafka cluster until Ctrl-C or SIGTERM.")
        {
            brokers, port, host, logLevel, bootstrapFile, authorizer, superUsers, configs, configFile, controlPort, controlFile, dataDir,
        };
        security.AddTo(command);
        var metrics = new BrokerMetricsOption();
        metrics.AddTo(command);
        command.SetSafeAction((result, cancellationToken) =>
        {
            var (brokerCount, firstPort) = (result.GetValue(brokers), result.GetValue(port));
            var metricsPort = metrics.Parse(result);
            return RunAsync(
                new BrokerRequest(brokerCount, firstPort, result.GetValue(host)!, result.GetValue(logLevel), result.GetValue(bootstrapFile),
                    security.Parse(result, firstPort, brokerCount), result.GetValue(authorizer), (result.GetValue(superUsers) ?? []).Select(SuperUser).ToList(),
                    BrokerConfigs(result.GetValue(configFile), result.GetValue(configs) ?? []), ControlPort(result.GetValue(controlPort), result.GetValue(controlFile)),
                    result.GetValue(dataDir)?.FullName),
                metricsPort, cancellationToken);
        });
        return command;
    }

    private static string SuperUser(string principal) =>
        principal.IndexOf(':') > 0 && !principal.EndsWith(':') ? principal : throw new UserErrorException($"bad --super-user '{principal}': use Type:Name, for example User:alice");

    /// <summary>The configs of <paramref name="file"/> (server.properties syntax), then those given one by one, which win.</summary>
    private static Dictionary<string, string> BrokerConfigs(FileInfo? file, IEnumerable<string> given)
    {
        var configs = new Dictionary<string, string>();
        if (file is not null)
        {
            if (!file.Exists) throw new UserErrorException($"--config-file {file.Name} does not exist");
            try
            {
                configs = JavaProperties.Parse(File.ReadAllText(file.FullName));
            }
            catch (FormatException e)
            {
                throw new UserErrorException($"bad --config-file {file.Name}: {e.Message}");
            }
        }
        foreach (var (name, value) in NameValues.Parse(given, "--config")) configs[name] = value;
        return configs;
    }

    private static (int? Port, FileInfo? File) ControlPort(int? port, FileInfo? file) =>
        port is < 0 or > 65535 ? throw new UserErrorException($"bad --control-port {port}: use 0 to 65535")
        : file is not null && port is null ? throw new UserErrorException("--control-file needs --control-port")
        : (port, file);

    /// <summary>The runtime's switch for running socket completions on its socket event (epoll) threads.</summary>
    internal const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Runs every socket completion of this process on .NET's socket event threads, as librdkafka's mock serves its sockets
    /// from one thread, instead of handing each to a thread-pool worker: one thread wake-up less each time a connection
    /// waits for the network. Measured (docs/benchmarks.md, issue 20, tenth round): a kcat metadata session cost the broker
    /// about 0.8 ms of CPU instead of 1.15, a kcat read of 150,000 messages 7.0-7.5 ms instead of 8.5-9.0, and the cluster
    /// benchmark's produce and consume rows about a fifth less. The runtime reads the variable once, when the process's first
    /// socket is used, so it is set before the cluster starts; a value the user set (0 turns it off) is kept. Only this
    /// process, which hosts the brokers and nothing else, does it: code that blocks a thread after awaiting socket I/O
    /// would block an event thread and every connection on it (docs/embedded-cluster.md, "CPU"); the broker's request
    /// path, its control port and its metrics exporter never do.
    /// </summary>
    private static void CompleteSocketsOnEventThreads()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null) Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
    }

    private sealed record BrokerRequest(int Brokers, int Port, string Host, LogLevel LogLevel, FileInfo? BootstrapFile, BrokerSecurityOptions.Parsed Security,
        bool EnableAuthorizer, IReadOnlyList<string> SuperUsers, IReadOnlyDictionary<string, string> BrokerConfigs, (int? Port, FileInfo? File) Control,
        string? DataDirectory);

    private static async Task<int> RunAsync(BrokerRequest request, int? metricsPort, CancellationToken cancellationToken)
    {
        CompleteSocketsOnEventThreads();
        using var shutdown = new ShutdownSignal(cancellationToken);
        using var loggerFactory = new LoggerFactory([new StderrLoggerProvider()], new LoggerFilterOptions { MinLevel = request.LogLevel });
        var security = request.Security;
        var options = new EmbeddedKafkaOptions
        {
            Brokers = request.Brokers,
            FirstPort = request.Port,
            Host = request.Host,
            Listeners = security.Listeners,
            Users = security.Users,
            Tls = security.Tls,
            OAuthBearerUnsecured = security.OAuthBearerUnsecured,
            EnableAuthorizer = request.EnableAuthorizer,
            SuperUsers = request.SuperUsers,
            BrokerConfigs = request.BrokerConfigs,
            DataDirectory = request.DataDirectory,
            LoggerFactory = loggerFactory,
        };
        EmbeddedKafkaCluster cluster;
        try
        {
            cluster = await EmbeddedKafkaCluster.StartAsync(options, shutdown.Token);
        }
        catch (ArgumentException e)
        {
            throw new UserErrorException(e.Message);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException && request.DataDirectory is not null)
        {
            // A data directory that cannot be used: not ours, unreadable, or on a full or read-only disk.
            throw new UserErrorException($"cannot use --data-dir {request.DataDirectory}: {e.Message}");
        }
        catch (SocketException e)
        {
            // A port another process holds.
            await Console.Error.WriteLineAsync($"tributary: cannot start the cluster on {request.Host}:{request.Port}: {e.Message}");
            return 1;
        }
        await using (cluster)
        using (BrokerMetricsOption.Serve(metricsPort))
        {
            // Serving before the bootstrap line appears, so a script that waits for the line can use the controls at once.
            await using var control = StartControl(cluster, request.Control.Port, loggerFactory);
            if (request.Control.Port is not null && control is null) return 1;
            if (request.Control.File is { } controlFile) await WriteAtomicallyAsync(controlFile, control!.Url);
            if (security.CaOut is { } caOut) cluster.CertificateAuthority!.WriteCertificatePem(caOut.FullName);
            if (request.BootstrapFile is { } file) await WriteAtomicallyAsync(file, cluster.BootstrapServers);
            foreach (var listener in security.Listeners) Console.Out.WriteLine(cluster.GetBootstrapServers(listener.EffectiveName));
            await Console.Out.FlushAsync(CancellationToken.None);
            // Started: the native memory the runtime freed compiling the startup's code, and later the tiering up of the
            // methods the timers and the first clients run, goes back to the system (2 to 3 MB of an idle broker, for
            // about 1 ms of CPU a call; no cost per message under load: docs/benchmarks.md).
            using var freePages = NativeHeap.ReleaseFreePagesEvery(TimeSpan.FromSeconds(5));
            try
            {
                await Task.Delay(Timeout.Infinite, shutdown.Token);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: a normal stop.
            }
        }
        request.BootstrapFile?.Delete();
        request.Control.File?.Delete();
        return 0;
    }

    /// <summary>The control server on <paramref name="port"/>, null when none was asked for or the port is taken (said on stderr).</summary>
    private static ControlServer? StartControl(EmbeddedKafkaCluster cluster, int? port, ILoggerFactory loggerFactory)
    {
        if (port is not { } wanted) return null;
        try
        {
            var control = ControlServer.Start(cluster, wanted, loggerFactory.CreateLogger("Tributary.Control"));
            loggerFactory.CreateLogger("Tributary.Control").LogInformation("Control port serving at {Url}", control.Url);
            return control;
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"tributary: cannot start the control port on 127.0.0.1:{wanted}: {e.Message}");
            return null;
        }
    }

    // Written next to the target and renamed over it, so a script waiting for the file never reads half a line.
    private static async Task WriteAtomicallyAsync(FileInfo file, string bootstrapServers)
    {
        var temporary = file.FullName + $".{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temporary, bootstrapServers + "\n");
        File.Move(temporary, file.FullName, overwrite: true);
    }
}
