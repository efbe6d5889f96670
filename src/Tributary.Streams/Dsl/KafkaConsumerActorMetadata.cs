using Akka.Actor;
using Decider = Akka.Streams.Supervision.Decider;

namespace Tributary.Streams.Dsl;

/// <summary>
/// Akka.Streams.Kafka's way to share one consumer between external sources: an actor owning the consumer, created with
/// <c>system.ActorOf(KafkaConsumerActorMetadata.GetProps(settings))</c>, passed to
/// <see cref="KafkaConsumer.PlainExternalSource{TKey,TValue}(IActorRef,IManualSubscription,bool)"/> and stopped with
/// <see cref="Internal.Stop"/>. The actor holds a <see cref="SharedKafkaConsumer{TKey,TValue}"/>, which new code uses directly.
/// </summary>
public static class KafkaConsumerActorMetadata
{
    /// <summary>
    /// Props of an actor owning a new shared consumer. The consumer starts here, with the props: create one actor
    /// from them; stopping the actor closes the consumer.
    /// </summary>
    /// <param name="settings">Consumer settings; a group id is needed to commit.</param>
    /// <param name="decider">Supervision of the external sources that set none of their own, or null for the settings' deciders.</param>
    public static Props GetProps<TKey, TValue>(ConsumerSettings<TKey, TValue> settings, Decider? decider = null) =>
        Props.Create(typeof(KafkaConsumerActor<TKey, TValue>), SharedKafkaConsumer<TKey, TValue>.Create(settings, decider));

    /// <summary>The shared consumer of an actor created from <see cref="GetProps{TKey,TValue}"/>.</summary>
    internal static SharedKafkaConsumer<TKey, TValue> ConsumerOf<TKey, TValue>(IActorRef actor) =>
        actor is ActorRefWithCell { Underlying.Props.Arguments: [SharedKafkaConsumer<TKey, TValue> consumer] }
            ? consumer
            : throw new ArgumentException($"{actor} is not a consumer actor of {typeof(TKey).Name}, {typeof(TValue).Name} created from KafkaConsumerActorMetadata.GetProps in this process.", nameof(actor));

    /// <summary>Messages the consumer actor understands.</summary>
    public static class Internal
    {
        /// <summary>Stops the actor and closes its consumer; sources still attached complete.</summary>
        public sealed class Stop
        {
            private Stop() { }

            /// <summary>The message.</summary>
            public static Stop Instance { get; } = new();
        }
    }
}

/// <summary>Owns a shared consumer for <see cref="KafkaConsumerActorMetadata"/>; closes it when stopped.</summary>
internal sealed class KafkaConsumerActor<TKey, TValue> : ReceiveActor
{
    private readonly SharedKafkaConsumer<TKey, TValue> _consumer;

    public KafkaConsumerActor(SharedKafkaConsumer<TKey, TValue> consumer)
    {
        _consumer = consumer;
        Receive<KafkaConsumerActorMetadata.Internal.Stop>(_ => Context.Stop(Self));
    }

    protected override void PostStop() => _ = _consumer.DisposeAsync().AsTask();
}
