using Confluent.Kafka;

namespace Tributary.Cli.Common;

/// <summary>
/// Where and how the command line reaches Kafka: the bootstrap list, user properties from <c>-X</c> and the time
/// allowed to get metadata. Clients built here log nothing to the console, so a failure is the one line the command
/// reports.
/// </summary>
/// <param name="BootstrapServers">Comma-separated host:port list.</param>
/// <param name="Properties">Client properties given with <c>-X</c>; they override the command's own.</param>
/// <param name="Timeout">How long to wait for the cluster's metadata.</param>
internal sealed record KafkaConnection(string BootstrapServers, IReadOnlyDictionary<string, string> Properties, TimeSpan Timeout)
{
    /// <summary>Client properties: the bootstrap list, then <paramref name="defaults"/>, then the user's <c>-X</c> values.</summary>
    public Dictionary<string, string> ClientProperties(IEnumerable<KeyValuePair<string, string>>? defaults = null)
    {
        var properties = new Dictionary<string, string> { ["bootstrap.servers"] = BootstrapServers };
        foreach (var (key, value) in (defaults ?? []).Concat(Properties))
            properties[key] = value;
        return properties;
    }

    /// <summary>Builds an admin client (librdkafka only warns about consumer or producer properties in it; the warning is not shown).</summary>
    public IAdminClient CreateAdminClient() =>
        new AdminClientBuilder(ClientProperties())
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();

    /// <summary>
    /// Reads the cluster's metadata for every topic; fails fast with a clear message when no broker answers.
    /// </summary>
    /// <exception cref="UserErrorException">No broker answered within <see cref="Timeout"/>.</exception>
    public Metadata GetMetadata(IAdminClient admin)
    {
        try
        {
            return admin.GetMetadata(Timeout);
        }
        catch (KafkaException e) when (e.Error.IsLocalError)
        {
            throw new UserErrorException($"cannot reach Kafka at {BootstrapServers} within {Timeout.TotalSeconds:0.#}s ({e.Error.Reason})");
        }
    }

    /// <summary>Whether the cluster has <paramref name="topic"/> (asked without creating it).</summary>
    /// <exception cref="UserErrorException">The cluster is unreachable.</exception>
    public bool TopicExists(IAdminClient admin, string topic) => FindTopic(admin, topic) is not null;

    /// <summary>The metadata of <paramref name="topic"/>, read without creating it.</summary>
    /// <exception cref="UserErrorException">The cluster is unreachable or has no such topic.</exception>
    public TopicMetadata RequireTopic(IAdminClient admin, string topic) =>
        FindTopic(admin, topic) ?? throw new UserErrorException($"unknown topic '{topic}'");

    private TopicMetadata? FindTopic(IAdminClient admin, string topic) =>
        GetMetadata(admin).Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError);
}
