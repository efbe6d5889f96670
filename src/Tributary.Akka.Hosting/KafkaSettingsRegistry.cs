using System.Collections.Concurrent;
using Akka.Actor;
using Tributary.Streams.Settings;

namespace Tributary.Akka.Hosting;

/// <summary>
/// The connector settings registered with <see cref="TributaryAkkaHostingExtensions.WithKafkaConsumerSettings{TKey,TValue}"/>
/// and <see cref="TributaryAkkaHostingExtensions.WithKafkaProducerSettings{TKey,TValue}"/>, by name, for the actor system
/// they were registered with: <c>KafkaSettingsRegistry.For(system).Consumer&lt;string, string&gt;("orders")</c>.
/// </summary>
public sealed class KafkaSettingsRegistry : IExtension
{
    private readonly ConcurrentDictionary<string, object> _consumers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _producers = new(StringComparer.Ordinal);

    /// <summary>The registry of <paramref name="system"/>.</summary>
    /// <param name="system">The actor system the settings were registered with.</param>
    public static KafkaSettingsRegistry For(ActorSystem system) => system.WithExtension<KafkaSettingsRegistry, KafkaSettingsRegistryProvider>();

    /// <summary>The consumer settings registered as <paramref name="name"/>.</summary>
    /// <param name="name">The name they were registered under.</param>
    /// <typeparam name="TKey">Record key type, as registered.</typeparam>
    /// <typeparam name="TValue">Record value type, as registered.</typeparam>
    /// <exception cref="KeyNotFoundException">No consumer settings of that name (registered after the stream that asks, or not at all).</exception>
    /// <exception cref="InvalidCastException">They were registered with other key or value types.</exception>
    public ConsumerSettings<TKey, TValue> Consumer<TKey, TValue>(string name) => Get<ConsumerSettings<TKey, TValue>>(_consumers, name, "consumer");

    /// <summary>The producer settings registered as <paramref name="name"/>.</summary>
    /// <param name="name">The name they were registered under.</param>
    /// <typeparam name="TKey">Record key type, as registered.</typeparam>
    /// <typeparam name="TValue">Record value type, as registered.</typeparam>
    /// <exception cref="KeyNotFoundException">No producer settings of that name (registered after the stream that asks, or not at all).</exception>
    /// <exception cref="InvalidCastException">They were registered with other key or value types.</exception>
    public ProducerSettings<TKey, TValue> Producer<TKey, TValue>(string name) => Get<ProducerSettings<TKey, TValue>>(_producers, name, "producer");

    internal void AddConsumer<TKey, TValue>(string name, ConsumerSettings<TKey, TValue> settings) => _consumers[name] = settings;

    internal void AddProducer<TKey, TValue>(string name, ProducerSettings<TKey, TValue> settings) => _producers[name] = settings;

    private static T Get<T>(ConcurrentDictionary<string, object> registered, string name, string kind) where T : class
    {
        if (!registered.TryGetValue(name, out var settings))
            throw new KeyNotFoundException($"No Kafka {kind} settings named \"{name}\": register them with WithKafka{char.ToUpperInvariant(kind[0])}{kind[1..]}Settings before the streams that use them.");
        return settings as T ?? throw new InvalidCastException($"The Kafka {kind} settings \"{name}\" are {settings.GetType().Name} with other key or value types than {typeof(T).Name} asks for.");
    }

    private sealed class KafkaSettingsRegistryProvider : ExtensionIdProvider<KafkaSettingsRegistry>
    {
        public override KafkaSettingsRegistry CreateExtension(ExtendedActorSystem system) => new();
    }
}
