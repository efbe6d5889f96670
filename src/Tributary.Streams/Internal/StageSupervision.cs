using Akka.Streams;
using Akka.Streams.Supervision;

namespace Tributary.Streams.Internal;

/// <summary>How Kafka stages find their supervision decider.</summary>
internal static class StageSupervision
{
    /// <summary>
    /// The decider the stream sets with <c>ActorAttributes.CreateSupervisionStrategy</c> (or the materializer's own),
    /// or null when it is Akka Streams' <see cref="Deciders.StoppingDecider"/>: the materializer puts that on every
    /// stage, so it cannot be told apart from no choice at all, and then the Kafka defaults decide (which stop too,
    /// except for errors the client recovers from by itself).
    /// </summary>
    public static Decider? ChosenDecider(this Attributes attributes) =>
        attributes.GetAttribute<ActorAttributes.SupervisionStrategy>(null)?.Decider is { } decider && decider != Deciders.StoppingDecider
            ? decider
            : null;

    /// <summary>The stream's decider, or <see cref="DefaultProducerDecider{TKey,TValue}"/>.</summary>
    public static Decider ProducerDecider<TKey, TValue>(this Attributes attributes) =>
        attributes.ChosenDecider() ?? new DefaultProducerDecider<TKey, TValue>().Decide;
}
