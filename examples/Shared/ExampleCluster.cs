using Confluent.Kafka;
using Tributary.Broker;

namespace Tributary.Examples;

/// <summary>
/// The cluster an example runs against. Given a bootstrap list, that cluster, once it answered within ten seconds;
/// given none, an embedded one-broker cluster started in this process, with the example's topics created (the input
/// topic holding a few greetings), and a line saying so.
/// </summary>
internal sealed class ExampleCluster : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly EmbeddedKafkaCluster? _embedded;

    private ExampleCluster(string bootstrapServers, EmbeddedKafkaCluster? embedded)
    {
        BootstrapServers = bootstrapServers;
        _embedded = embedded;
    }

    /// <summary>The bootstrap list to give the example's clients.</summary>
    public string BootstrapServers { get; }

    /// <summary>
    /// The cluster named by <paramref name="bootstrapServers"/>, or an embedded one when it is null, with
    /// <paramref name="topics"/> created and <paramref name="greetings"/> records written to the first of them.
    /// </summary>
    /// <returns>Null when the named cluster did not answer; the reason was printed on stderr in one line.</returns>
    public static async Task<ExampleCluster?> StartAsync(string? bootstrapServers, string[] topics, int greetings = 0)
    {
        if (bootstrapServers is not null)
            return Reachable(bootstrapServers) ? new ExampleCluster(bootstrapServers, null) : null;
        var embedded = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions());
        foreach (var topic in topics)
            await embedded.CreateTopicAsync(topic, partitions: 3);
        if (greetings > 0)
            await WriteGreetingsAsync(embedded.BootstrapServers, topics[0], greetings);
        Console.WriteLine($"No bootstrap servers given: started an embedded Kafka cluster at {embedded.BootstrapServers} with topic(s) " +
                          $"{string.Join(", ", topics)}{(greetings > 0 ? $" ({greetings} greetings in {topics[0]})" : "")}.");
        return new ExampleCluster(embedded.BootstrapServers, embedded);
    }

    private static bool Reachable(string bootstrapServers)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers })
            .SetLogHandler((_, _) => { }) // librdkafka would log every refused connection
            .Build();
        try
        {
            admin.GetMetadata(Patience);
            return true;
        }
        catch (KafkaException e)
        {
            Console.Error.WriteLine($"Cannot reach Kafka at {bootstrapServers} within {Patience.TotalSeconds:0} s ({e.Error.Reason}); " +
                                    "run without arguments to use an embedded cluster.");
            return false;
        }
    }

    private static async Task WriteGreetingsAsync(string bootstrapServers, string topic, int count)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrapServers }).Build();
        for (var i = 1; i <= count; i++)
            producer.Produce(topic, new Message<string, string> { Key = $"key-{i}", Value = $"hello {i}" });
        await Task.Run(() => producer.Flush(Patience));
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
            await _embedded.DisposeAsync();
    }
}
