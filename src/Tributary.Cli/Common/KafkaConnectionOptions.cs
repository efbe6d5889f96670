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

    /// <summary>The bootstrap list used when neither <c>-b</c> nor the environment variable gives one (said on stderr).</summary>
    public const string DefaultBootstrap = "127.0.0.1:9092";

    private readonly Option<string?> _bootstrap = new("--bootstrap", "-b")
    {
        Description = $"Bootstrap servers (host:port,...). Default: ${BootstrapVariable}, else {DefaultBootstrap} (with a note on stderr).",
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
    /// <exception cref="UserErrorException">A <c>-X</c> value is not prop=value, the timeout is not positive, or the bootstrap list is empty.</exception>
    public KafkaConnection Read(ParseResult result)
    {
        var properties = NameValues.Parse(result.GetValue(_properties) ?? [], "-X");
        var timeout = result.GetValue(_timeout);
        if (timeout <= 0)
            throw new UserErrorException($"bad --timeout {timeout}: must be positive");
        return new KafkaConnection(ChooseBootstrap(result.GetValue(_bootstrap)), properties, TimeSpan.FromSeconds(timeout));
    }

    // A variable that is set but empty is a script whose capture of the bootstrap list failed (for example, it read the
    // broker's output before the line was written): an error, not a reason to try a cluster the user did not choose.
    private static string ChooseBootstrap(string? fromOption)
    {
        if (fromOption is not null)
            return string.IsNullOrWhiteSpace(fromOption) ? throw new UserErrorException("-b is empty: expected host:port,...") : fromOption;
        switch (Environment.GetEnvironmentVariable(BootstrapVariable))
        {
            case null:
                Console.Error.WriteLine($"tributary: no -b and no ${BootstrapVariable}: using {DefaultBootstrap}");
                return DefaultBootstrap;
            case var fromEnvironment when string.IsNullOrWhiteSpace(fromEnvironment):
                throw new UserErrorException($"${BootstrapVariable} is set but empty: give the bootstrap list (host:port,...) there or with -b");
            case var fromEnvironment:
                return fromEnvironment.Trim();
        }
    }
}
