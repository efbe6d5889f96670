using System.Diagnostics;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// A source whose brokers are unreachable: without the connection checker it keeps waiting (librdkafka retries); with
/// it, it fails with <see cref="KafkaConnectionFailed"/> once the first check and its retries have failed.
/// </summary>
public sealed class ConnectionCheckerTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    // A manual assignment: the consumer never joins its group, so closing it does not wait for a coordinator.
    private ConsumerSettings<string, string> Unreachable() =>
        ConsumerSettings(NewGroup())
            .WithBootstrapServers($"127.0.0.1:{UnusedPort()}")
            .WithMetadataRequestTimeout(TimeSpan.FromMilliseconds(200));

    [Fact]
    public async Task Without_the_connection_checker_a_source_waits_for_unreachable_brokers()
    {
        var settings = Unreachable();
        Assert.False(settings.ConnectionChecker.Enabled);

        var (control, completion) = KafkaConsumer.PlainSource(settings, Subscriptions.Assignment(new TopicPartition("absent", 0)))
            .ToMaterialized(Sink.Ignore<ConsumeResult<string, string>>(), Keep.Both)
            .Run(Materializer);

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(completion.IsCompleted);
        await control.Shutdown().WaitAsync(Patience);
    }

    [Fact]
    public async Task With_the_connection_checker_a_source_fails_with_KafkaConnectionFailed_after_its_retries()
    {
        var checker = ConnectionCheckerSettings.Create(maxRetries: 2, checkInterval: TimeSpan.FromMilliseconds(100), factor: 1.5);
        var stopwatch = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<KafkaConnectionFailed>(() =>
            KafkaConsumer.PlainSource(Unreachable().WithConnectionChecker(checker), Subscriptions.Assignment(new TopicPartition("absent", 0)))
                .RunWith(Sink.Ignore<ConsumeResult<string, string>>(), Materializer)
                .WaitAsync(Patience));

        Assert.Equal(3, failure.Attempts);
        Assert.Equal(ErrorCode.Local_AllBrokersDown, failure.Error.Code);
        Assert.IsAssignableFrom<KafkaException>(failure);
        // Checks at 100 ms, then 150 ms and 225 ms later: the failure cannot come before their sum.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(475), $"failed after {stopwatch.Elapsed}");
    }

    [Fact]
    public void The_connection_checker_is_read_from_the_consumer_configuration_and_validated()
    {
        var settings = ConsumerSettings<string, string>.Create(
            Akka.Configuration.ConfigurationFactory.ParseString("connection-checker { enabled = true, max-retries = 5, check-interval = 2s, backoff-factor = 3 }"),
            Deserializers.Utf8, Deserializers.Utf8);

        Assert.Equal(new ConnectionCheckerSettings(true, 5, TimeSpan.FromSeconds(2), 3), settings.ConnectionChecker);
        Assert.False(ConnectionCheckerSettings.Disabled.Enabled);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConnectionCheckerSettings.Create(-1, TimeSpan.FromSeconds(1), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConnectionCheckerSettings.Disabled.WithFactor(0.5));
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
