using Confluent.Kafka;

namespace Tributary.Hosting.Tests;

/// <summary>What the hosting tests share: their patience, polling for a condition, and producing greetings.</summary>
internal static class HostTesting
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Produces <paramref name="count"/> records <c>k{i}</c> = <c>hello {i}</c> to <paramref name="topic"/>.</summary>
    public static async Task ProduceAsync(string bootstrap, string topic, int count)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        for (var i = 0; i < count; i++)
            await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"hello {i}" });
    }

    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(100);
        }
    }
}
