using Akka.Streams.Supervision;
using Confluent.Kafka;
using Tributary.Streams.Settings;

namespace Tributary.Streams.Supervision;

/// <summary>
/// The decider Kafka sources use when their stream sets no supervision strategy (Akka.Streams.Kafka's default):
/// fatal client errors and records that fail to deserialize stop the source, other consume errors and retriable
/// client errors are skipped, anything else stops. Derive from it to change one case, and pass
/// <see cref="Decide"/> to <c>ActorAttributes.CreateSupervisionStrategy</c>.
/// </summary>
/// <param name="autoCreateTopics">
/// Whether the consumer lets the broker create topics (<c>allow.auto.create.topics</c>); then an unknown topic or
/// partition is skipped, since it is about to exist.
/// </param>
public class DefaultConsumerDecider(bool autoCreateTopics)
{
    private readonly bool _autoCreateTopics = autoCreateTopics;

    /// <summary>Decides what the source does about <paramref name="exception"/>.</summary>
    /// <param name="exception">What failed.</param>
    public Directive Decide(Exception exception) => exception switch
    {
        ConsumeException { Error.IsFatal: true } => Directive.Stop,
        ConsumeException { Error.Code: ErrorCode.UnknownTopicOrPart } when _autoCreateTopics => Directive.Resume,
        ConsumeException consume when consume.Error.IsSerializationError() => OnDeserializationError(consume),
        ConsumeException consume => OnConsumeException(consume),
        KafkaRetriableException => Directive.Resume,
        KafkaException { Error.IsFatal: true } => Directive.Stop,
        KafkaException kafka => OnKafkaException(kafka),
        _ => OnException(exception),
    };

    /// <summary>A record's key or value failed to deserialize: stops by default.</summary>
    /// <param name="exception">The failure, carrying topic, partition and offset.</param>
    protected virtual Directive OnDeserializationError(ConsumeException exception) => Directive.Stop;

    /// <summary>Another non-fatal consume error: skipped by default.</summary>
    /// <param name="exception">The failure.</param>
    protected virtual Directive OnConsumeException(ConsumeException exception) => Directive.Resume;

    /// <summary>A non-fatal client error: skipped by default.</summary>
    /// <param name="exception">The failure.</param>
    protected virtual Directive OnKafkaException(KafkaException exception) => Directive.Resume;

    /// <summary>Any other exception: stops by default.</summary>
    /// <param name="exception">The failure.</param>
    protected virtual Directive OnException(Exception exception) => Directive.Stop;
}
