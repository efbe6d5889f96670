using Akka.Streams.Supervision;
using Confluent.Kafka;
using Tributary.Streams.Settings;

namespace Tributary.Streams.Supervision;

/// <summary>
/// The decider Kafka sinks and flows use when their stream sets no supervision strategy (Akka.Streams.Kafka's
/// default): every failure stops the stage, except retriable client errors, which skip the record. Derive from it
/// to change one case (for example resume on <see cref="OnSerializationError"/> to drop records that cannot be
/// serialized), and pass <see cref="Decide"/> to <c>ActorAttributes.CreateSupervisionStrategy</c>.
/// </summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
public class DefaultProducerDecider<TKey, TValue>
{
    /// <summary>Decides what the stage does about <paramref name="exception"/>.</summary>
    /// <param name="exception">What failed.</param>
    public Directive Decide(Exception exception) => exception switch
    {
        ProduceException<TKey, TValue> { Error.IsFatal: true } => Directive.Stop,
        ProduceException<TKey, TValue> produce when produce.Error.IsSerializationError() => OnSerializationError(produce),
        ProduceException<TKey, TValue> produce => OnProduceException(produce),
        KafkaRetriableException => Directive.Resume,
        KafkaException { Error.IsFatal: true } => Directive.Stop,
        KafkaException kafka => OnKafkaException(kafka),
        _ => OnException(exception),
    };

    /// <summary>A record's key or value failed to serialize: stops by default.</summary>
    /// <param name="exception">The failure.</param>
    protected virtual Directive OnSerializationError(ProduceException<TKey, TValue> exception) => Directive.Stop;

    /// <summary>A record could not be produced: stops by default.</summary>
    /// <param name="exception">The failure.</param>
    protected virtual Directive OnProduceException(ProduceException<TKey, TValue> exception) => Directive.Stop;

    /// <summary>A client error: stops by default.</summary>
    /// <param name="exception">The failure.</param>
    protected virtual Directive OnKafkaException(KafkaException exception) => Directive.Stop;

    /// <summary>Any other exception: stops by default.</summary>
    /// <param name="exception">The failure.</param>
    protected virtual Directive OnException(Exception exception) => Directive.Stop;
}
