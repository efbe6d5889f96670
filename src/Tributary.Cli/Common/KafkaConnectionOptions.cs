using System.CommandLine;

namespace Tributary.Cli.Common;

/// <summary>
/// The options every client command shares: <c>-b</c> bootstrap servers, <c>-X prop=value</c> client properties
/// and <c>--timeout</c>, the time allowed to reach the cluster.
/// </summary>
internal sealed class KafkaConnectionOptions
{
    /// <summary>The environment variable that supplies the default bootstrap list.</summary>
    public const string BootstrapVariable = "TRIBUTARY_BOOTSTRAP";

    private readonly Option<string> _bootstrap = new("--bootstrap", "-b")
    {
        Description = $"Bootstrap servers (host:port,...). Default: ${BootstrapVariable}, else 127.0.0.1:9092.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(BootstrapVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : "127.0.0.1:9092",
    };

    private readonly Option<string[]> _properties = new("-X")
    {
        Description = "A Confluent.Kafka (librdkafka) property as prop=value; repeatable.",
    };

    private readonly Option<double> _timeout = new("--timeout")
    {
        Description = "Seconds allowed to reach the cluster before giving up.",
        DefaultValueFactory = _ => 5,
    };

    /// <summary>Adds the shared options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_bootstrap);
        command.Options.Add(_properties);
        command.Options.Add(_timeout);
    }

    /// <summary>The connection the parsed options describe.</summary>
    /// <exception cref="UserErrorException">A <c>-X</c> value is not prop=value or the timeout is not positive.</exception>
    public KafkaConnection Read(ParseResult result)
    {
        var properties = NameValues.Parse(result.GetValue(_properties) ?? [], "-X");
        var timeout = result.GetValue(_timeout);
        if (timeout <= 0)
            throw new UserErrorException($"bad --timeout {timeout}: must be positive");
        return new KafkaConnection(result.GetValue(_bootstrap)!, properties, TimeSpan.FromSeconds(timeout));
    }
}
