using System.Collections.Immutable;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// One envelope on its way to Kafka. Its records are sent with Confluent.Kafka's callback-based <c>Produce</c>, and
/// it completes when the last delivery report arrives (on librdkafka's delivery thread). <c>ProduceAsync</c> would
/// cost a task, a completion source and an async state machine per record, and a thread-pool hop per report.
/// </summary>
internal sealed class EnvelopeDelivery<TKey, TValue, TPassThrough>
{
    // Marks "completed" in the continuation slot, so registering and completing can race without a lock.
    private static readonly Action CompletedMarker = () => { };

    private readonly IEnvelope<TKey, TValue, TPassThrough> _envelope;
    private readonly DeliveryResult<TKey, TValue>[]? _parts;
    private readonly bool _restoreHeaders;
    private int _pendingRecords;
    private IResults<TKey, TValue, TPassThrough>? _result;
    private Exception? _error;
    private Action? _continuation;

    private EnvelopeDelivery(IEnvelope<TKey, TValue, TPassThrough> envelope, int records, bool restoreHeaders)
    {
        _envelope = envelope;
        _restoreHeaders = restoreHeaders;
        _pendingRecords = records;
        if (envelope is MultiMessage<TKey, TValue, TPassThrough>)
            _parts = new DeliveryResult<TKey, TValue>[records];
    }

    /// <summary>Whether every record was acknowledged or one failed.</summary>
    public bool IsCompleted => Volatile.Read(ref _continuation) == CompletedMarker;

    /// <summary>The first failure, once completed; null if every record was written.</summary>
    public Exception? Error => _error;

    /// <summary>The result, once completed without error.</summary>
    public IResults<TKey, TValue, TPassThrough> Result => _result ?? throw new InvalidOperationException("The envelope has not been delivered.", _error);

    /// <summary>
    /// Sends the envelope's records. A record the producer refuses at once (full queue, serializer) fails the delivery.
    /// <paramref name="restoreHeaders"/>: the producer's reports leave the headers out, and each report gets its record's.
    /// </summary>
    public static EnvelopeDelivery<TKey, TValue, TPassThrough> Send(IProducer<TKey, TValue> producer, IEnvelope<TKey, TValue, TPassThrough> envelope, bool restoreHeaders)
    {
        switch (envelope)
        {
            case Message<TKey, TValue, TPassThrough> single:
                var delivery = new EnvelopeDelivery<TKey, TValue, TPassThrough>(envelope, 1, restoreHeaders);
                delivery.SendSingle(producer, single.Record);
                return delivery;
            case MultiMessage<TKey, TValue, TPassThrough> multi:
                var multiDelivery = new EnvelopeDelivery<TKey, TValue, TPassThrough>(envelope, multi.Records.Length, restoreHeaders);
                multiDelivery.SendParts(producer, multi.Records);
                return multiDelivery;
            case PassThroughMessage<TKey, TValue, TPassThrough> pass:
                var passed = new EnvelopeDelivery<TKey, TValue, TPassThrough>(envelope, 0, restoreHeaders);
                passed.Complete(new PassThroughResult<TKey, TValue, TPassThrough>(pass.PassThrough), null);
                return passed;
            default:
                throw new ArgumentException($"Unknown envelope {envelope.GetType()}", nameof(envelope));
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> once the delivery completes: on the delivery thread, or at once if it already
    /// has. One registration per delivery.
    /// </summary>
    public void OnCompleted(Action action)
    {
        if (Interlocked.CompareExchange(ref _continuation, action, null) == CompletedMarker)
            action();
    }

    private void SendSingle(IProducer<TKey, TValue> producer, ProducerRecord<TKey, TValue> record)
    {
        try
        {
            producer.Produce(record, OnSingleDelivered, restoreHeaders: false);
        }
        catch (Exception refused)
        {
            Complete(null, refused);
        }
    }

    private void OnSingleDelivered(DeliveryReport<TKey, TValue> report)
    {
        var single = (Message<TKey, TValue, TPassThrough>)_envelope;
        if (_restoreHeaders)
            DeliveryReportHeaders.Restore(report, single.Record.Message);
        if (report.Error.IsError)
            Complete(null, new ProduceException<TKey, TValue>(report.Error, report));
        else
            Complete(new Result<TKey, TValue, TPassThrough>(report, single.Record, single.PassThrough), null);
    }

    private void SendParts(IProducer<TKey, TValue> producer, ImmutableArray<ProducerRecord<TKey, TValue>> records)
    {
        if (records.Length == 0)
        {
            CompleteParts();
            return;
        }
        for (var i = 0; i < records.Length; i++)
        {
            var index = i;
            try
            {
                producer.Produce(records[i], report => OnPartDelivered(index, report), restoreHeaders: false);
            }
            catch (Exception refused)
            {
                Interlocked.CompareExchange(ref _error, refused, null);
                // The records not sent will never report: count them (and this one) as done.
                if (Interlocked.Add(ref _pendingRecords, -(records.Length - i)) == 0)
                    CompleteParts();
                return;
            }
        }
    }

    private void OnPartDelivered(int index, DeliveryReport<TKey, TValue> report)
    {
        if (_restoreHeaders)
            DeliveryReportHeaders.Restore(report, ((MultiMessage<TKey, TValue, TPassThrough>)_envelope).Records[index].Message);
        _parts![index] = report;
        if (report.Error.IsError)
            Interlocked.CompareExchange(ref _error, new ProduceException<TKey, TValue>(report.Error, report), null);
        if (Interlocked.Decrement(ref _pendingRecords) == 0)
            CompleteParts();
    }

    private void CompleteParts() => Complete(
        Volatile.Read(ref _error) is null ? new MultiResult<TKey, TValue, TPassThrough>(ImmutableArray.Create(_parts!), _envelope.PassThrough) : null,
        Volatile.Read(ref _error));

    private void Complete(IResults<TKey, TValue, TPassThrough>? delivered, Exception? failure)
    {
        _result = delivered;
        _error = failure;
        Interlocked.Exchange(ref _continuation, CompletedMarker)?.Invoke();
    }
}
