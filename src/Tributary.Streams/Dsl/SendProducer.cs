using Confluent.Kafka;

namespace Tributary.Streams.Dsl;

/// <summary>
/// A Task-based producer for code outside streams, sharing the envelope and settings types of the stages.
/// Dispose it to flush outstanding records.
/// </summary>
/// <typeparam name="TKey">Record key type.</typeparam>
/// <typeparam name="TValue">Record value type.</typeparam>
public sealed class SendProducer<TKey, TValue> : IAsyncDisposable
{
    private readonly ProducerSettings<TKey, TValue> _settings;
    private readonly IProducer<TKey, TValue> _producer;

    /// <summary>Creates the producer (or uses the shared one of <paramref name="settings"/>).</summary>
    /// <param name="settings">Producer settings.</param>
    public SendProducer(ProducerSettings<TKey, TValue> settings)
    {
        _settings = settings;
        _producer = settings.SharedOrNewProducer();
    }

    /// <summary>Produces one record; completes when it was acknowledged.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgement.</param>
    public Task<DeliveryResult<TKey, TValue>> SendAsync(ProducerRecord<TKey, TValue> record, CancellationToken cancellationToken = default) =>
        _producer.ProduceAsync(record, cancellationToken);

    /// <summary>Produces an envelope; completes with its result when all its records were acknowledged.</summary>
    /// <param name="envelope">A single, multi or pass-through envelope.</param>
    /// <param name="cancellationToken">Stops waiting for the acknowledgements.</param>
    public Task<IResults<TKey, TValue, TPassThrough>> SendEnvelopeAsync<TPassThrough>(IEnvelope<TKey, TValue, TPassThrough> envelope, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<IResults<TKey, TValue, TPassThrough>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var delivery = EnvelopeDelivery<TKey, TValue, TPassThrough>.Send(_producer, envelope, restoreHeaders: false);
        delivery.OnCompleted(() =>
        {
            if (delivery.Error is { } error)
                completion.TrySetException(error);
            else
                completion.TrySetResult(delivery.Result);
        });
        // WaitAsync drops its token registration when the delivery completes; a registration of our own would stay on
        // a long-lived token (an application's stopping token) for every record ever sent.
        return completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Flushes outstanding records (up to the close timeout) and disposes an owned producer.</summary>
    public async ValueTask DisposeAsync() => await Task.Run(() => _settings.CloseIfOwned(_producer)).ConfigureAwait(false);
}
