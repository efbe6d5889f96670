using System.Collections.Immutable;
using Confluent.Kafka;

namespace Tributary.Streams.Messages;

/// <summary>
/// What a producer flow takes: one record, several records, or none, each with a pass-through value (for example
/// the committable offset of the consumed record) handed on in the matching <see cref="IResults{TKey,TValue,TPassThrough}"/>.
/// </summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
/// <typeparam name="TPassThrough">Pass-through type.</typeparam>
public interface IEnvelope<TKey, TValue, out TPassThrough>
{
    /// <summary>The value passed through to the result.</summary>
    TPassThrough PassThrough { get; }
}

/// <summary>The outcome of producing an envelope, carrying its pass-through value.</summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
/// <typeparam name="TPassThrough">Pass-through type.</typeparam>
public interface IResults<TKey, TValue, out TPassThrough>
{
    /// <summary>The envelope's pass-through value.</summary>
    TPassThrough PassThrough { get; }
}

/// <summary>One record to produce.</summary>
/// <param name="Record">The record.</param>
/// <param name="PassThrough">Value handed on to the result.</param>
public sealed record Message<TKey, TValue, TPassThrough>(ProducerRecord<TKey, TValue> Record, TPassThrough PassThrough) : IEnvelope<TKey, TValue, TPassThrough>;

/// <summary>Several records to produce; the result follows once all are acknowledged.</summary>
/// <param name="Records">The records.</param>
/// <param name="PassThrough">Value handed on to the result.</param>
public sealed record MultiMessage<TKey, TValue, TPassThrough>(ImmutableArray<ProducerRecord<TKey, TValue>> Records, TPassThrough PassThrough) : IEnvelope<TKey, TValue, TPassThrough>
{
    /// <summary>Several records given as a set (Akka.Streams.Kafka's shape), produced in the set's order.</summary>
    /// <param name="records">The records.</param>
    /// <param name="passThrough">Value handed on to the result.</param>
    public MultiMessage(IImmutableSet<ProducerRecord<TKey, TValue>> records, TPassThrough passThrough)
        : this(records.ToImmutableArray(), passThrough)
    {
    }
}

/// <summary>Nothing to produce; only the pass-through value travels on (for example to commit a filtered record).</summary>
/// <param name="PassThrough">Value handed on to the result.</param>
public sealed record PassThroughMessage<TKey, TValue, TPassThrough>(TPassThrough PassThrough) : IEnvelope<TKey, TValue, TPassThrough>;

/// <summary>The result of a <see cref="Message{TKey,TValue,TPassThrough}"/>.</summary>
/// <param name="Delivery">Where the record was written.</param>
/// <param name="Record">The produced record.</param>
/// <param name="PassThrough">The envelope's pass-through value.</param>
public sealed record Result<TKey, TValue, TPassThrough>(DeliveryResult<TKey, TValue> Delivery, ProducerRecord<TKey, TValue> Record, TPassThrough PassThrough) : IResults<TKey, TValue, TPassThrough>;

/// <summary>The result of a <see cref="MultiMessage{TKey,TValue,TPassThrough}"/>.</summary>
/// <param name="Parts">The delivery of each record, in order.</param>
/// <param name="PassThrough">The envelope's pass-through value.</param>
public sealed record MultiResult<TKey, TValue, TPassThrough>(ImmutableArray<DeliveryResult<TKey, TValue>> Parts, TPassThrough PassThrough) : IResults<TKey, TValue, TPassThrough>;

/// <summary>The result of a <see cref="PassThroughMessage{TKey,TValue,TPassThrough}"/>.</summary>
/// <param name="PassThrough">The envelope's pass-through value.</param>
public sealed record PassThroughResult<TKey, TValue, TPassThrough>(TPassThrough PassThrough) : IResults<TKey, TValue, TPassThrough>;

/// <summary>Factory methods for envelopes, named as in Alpakka Kafka.</summary>
public static class ProducerMessage
{
    /// <summary>One record with a pass-through value.</summary>
    /// <param name="record">The record.</param>
    /// <param name="passThrough">Value handed on to the result.</param>
    public static IEnvelope<TKey, TValue, TPassThrough> Single<TKey, TValue, TPassThrough>(ProducerRecord<TKey, TValue> record, TPassThrough passThrough) =>
        new Message<TKey, TValue, TPassThrough>(record, passThrough);

    /// <summary>One record without a pass-through value.</summary>
    /// <param name="record">The record.</param>
    public static IEnvelope<TKey, TValue, Akka.NotUsed> Single<TKey, TValue>(ProducerRecord<TKey, TValue> record) =>
        new Message<TKey, TValue, Akka.NotUsed>(record, Akka.NotUsed.Instance);

    /// <summary>Several records with one pass-through value.</summary>
    /// <param name="records">The records, for example an immutable set as Akka.Streams.Kafka takes.</param>
    /// <param name="passThrough">Value handed on to the result.</param>
    public static IEnvelope<TKey, TValue, TPassThrough> Multi<TKey, TValue, TPassThrough>(IEnumerable<ProducerRecord<TKey, TValue>> records, TPassThrough passThrough) =>
        new MultiMessage<TKey, TValue, TPassThrough>(records.ToImmutableArray(), passThrough);

    /// <summary>Several records without a pass-through value.</summary>
    /// <param name="records">The records.</param>
    public static IEnvelope<TKey, TValue, Akka.NotUsed> Multi<TKey, TValue>(IEnumerable<ProducerRecord<TKey, TValue>> records) =>
        new MultiMessage<TKey, TValue, Akka.NotUsed>(records.ToImmutableArray(), Akka.NotUsed.Instance);

    /// <summary>No record and no pass-through value (the envelope only keeps the stream's element count).</summary>
    public static IEnvelope<TKey, TValue, Akka.NotUsed> PassThrough<TKey, TValue>() =>
        new PassThroughMessage<TKey, TValue, Akka.NotUsed>(Akka.NotUsed.Instance);

    /// <summary>No record, only a pass-through value.</summary>
    /// <param name="passThrough">Value handed on to the result.</param>
    public static IEnvelope<TKey, TValue, TPassThrough> PassThrough<TKey, TValue, TPassThrough>(TPassThrough passThrough) =>
        new PassThroughMessage<TKey, TValue, TPassThrough>(passThrough);
}
