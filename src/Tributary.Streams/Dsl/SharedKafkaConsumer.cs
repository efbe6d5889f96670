using Akka.Streams.Supervision;

namespace Tributary.Streams.Dsl;

/// <summary>
/// One Kafka consumer shared by several external sources (<see cref="KafkaConsumer.PlainExternalSource{TKey,TValue}(SharedKafkaConsumer{TKey,TValue},IManualSubscription)"/>,
/// <see cref="KafkaConsumer.CommittableExternalSource{TKey,TValue}(SharedKafkaConsumer{TKey,TValue},IManualSubscription)"/>), each reading its own manually assigned
/// partitions: the counterpart of Alpakka's externally created KafkaConsumerActor. Dispose it after the sources.
/// </summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
public sealed class SharedKafkaConsumer<TKey, TValue> : IAsyncDisposable
{
    private SharedKafkaConsumer(ConsumerSettings<TKey, TValue> settings, Decider? decider)
    {
        Settings = settings;
        Decider = decider;
        Driver = new ConsumerDriver<TKey, TValue>(settings);
        Driver.Start();
    }

    /// <summary>The settings the consumer was created with.</summary>
    public ConsumerSettings<TKey, TValue> Settings { get; }

    internal ConsumerDriver<TKey, TValue> Driver { get; }

    /// <summary>The decider of sources on this consumer that set no supervision strategy of their own, or null.</summary>
    internal Decider? Decider { get; }

    /// <summary>Creates and starts a shared consumer.</summary>
    /// <param name="settings">Consumer settings; a group id is needed to commit.</param>
    /// <param name="decider">
    /// Supervision of sources on this consumer that set none of their own (<c>ActorAttributes.CreateSupervisionStrategy</c>);
    /// null uses the settings' deciders.
    /// </param>
    public static SharedKafkaConsumer<TKey, TValue> Create(ConsumerSettings<TKey, TValue> settings, Decider? decider = null) => new(settings, decider);

    /// <summary>A snapshot of the consumer's assignment and counters.</summary>
    /// <param name="cancellationToken">Stops waiting for the poll thread.</param>
    public Task<ConsumerMetrics> GetMetricsAsync(CancellationToken cancellationToken = default) => Driver.GetMetricsAsync().WaitAsync(cancellationToken);

    /// <summary>Commits pending offsets and closes the consumer; sources still attached complete.</summary>
    public ValueTask DisposeAsync() => new(Driver.CloseAsync());
}
