using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams.Internal;

/// <summary>
/// A transactional Confluent.Kafka producer whose blocking calls (init, send offsets, commit, abort) run on its own
/// <see cref="TransactionWorker"/>. Errors come out as <see cref="ProducerFencedException"/> when this instance is a
/// zombie, or <see cref="KafkaTransactionException"/>; in both cases the transaction has been aborted.
/// </summary>
internal sealed class TransactionalProducer<TKey, TValue>
{
    private static readonly HashSet<ErrorCode> FencingErrors =
    [
        ErrorCode.ProducerFenced, ErrorCode.InvalidProducerEpoch, ErrorCode.Local_Fenced, ErrorCode.TransactionCoordinatorFenced,
        ErrorCode.IllegalGeneration, ErrorCode.UnknownMemberId, ErrorCode.FencedInstanceId,
    ];

    private readonly TransactionalSettings _settings;
    private readonly ILogger _logger;
    private readonly TransactionWorker _worker;
    private bool _initialized;

    public TransactionalProducer(IProducer<TKey, TValue> producer, TransactionalSettings settings, ILogger logger)
    {
        Producer = producer;
        _settings = settings;
        _logger = logger;
        _worker = new TransactionWorker($"kafka-txn-{settings.TransactionalId}");
    }

    /// <summary>The producer; records may be produced (non-blocking) while a transaction is open.</summary>
    public IProducer<TKey, TValue> Producer { get; }

    /// <summary>Registers the transactional id (fencing earlier instances, aborting what they left open) and begins a transaction.</summary>
    public Task InitAsync() => Bounded(_worker.RunAsync(() =>
    {
        try
        {
            Retrying(() => Producer.InitTransactions(_settings.OperationTimeout));
            _initialized = true;
            Producer.BeginTransaction();
        }
        catch (KafkaException error)
        {
            throw Classify(error, "initializing");
        }
    }), "initializing", blockingCalls: 1);

    /// <summary>
    /// Sends <paramref name="offsets"/> (next offsets per source consumer) with each consumer's group metadata,
    /// commits, tells the sources, and begins the next transaction. The commit itself waits for the transaction's
    /// outstanding records (librdkafka flushes them first and fails the commit if one could not be written). On
    /// any failure the transaction is aborted and the task fails.
    /// </summary>
    public Task CommitAsync(IReadOnlyDictionary<TransactionalSourceState, Dictionary<TopicPartition, long>> offsets) =>
        Bounded(_worker.RunAsync(() =>
        {
            try
            {
                foreach (var (source, next) in offsets)
                    if (source.CommitsToGroup)
                        SendOffsets(source, next);
                Retrying(() => Producer.CommitTransaction(_settings.OperationTimeout));
            }
            catch (Exception error)
            {
                AbortAfter(error);
                throw error is KafkaException kafka ? Classify(kafka, "committing") : error;
            }
            foreach (var (source, next) in offsets)
                source.Committed(next);
            Producer.BeginTransaction();
        }), "committing", blockingCalls: offsets.Count + 1);

    /// <summary>Aborts the open transaction (if any) and disposes the producer, after the queued calls.</summary>
    public Task AbortAndDispose() => _worker.Finish(() =>
    {
        if (_initialized)
            AbortAfter(null);
        Producer.Dispose();
    });

    private void SendOffsets(TransactionalSourceState source, Dictionary<TopicPartition, long> next)
    {
        var metadata = source.GroupMetadata() ?? throw new KafkaTransactionException($"The consumer of group {source.GroupId} has no group metadata (closed?).");
        var list = next.Select(p => new TopicPartitionOffset(p.Key, p.Value)).ToList();
        Retrying(() => Producer.SendOffsetsToTransaction(list, metadata, _settings.OperationTimeout));
    }

    private void AbortAfter(Exception? cause)
    {
        if (cause is KafkaException { Error.IsFatal: true })
            return;
        try
        {
            Producer.AbortTransaction(_settings.OperationTimeout);
        }
        catch (KafkaException error)
        {
            _logger.LogWarning(error, "Aborting transaction of {TransactionalId} failed", _settings.TransactionalId);
        }
    }

    /// <summary>
    /// Fails a step that outlives every timeout it could legitimately use: each blocking call is retried until
    /// <see cref="TransactionalSettings.OperationTimeout"/> has passed and the last try may take one more, and a
    /// failed step aborts (one more). Past that the call is stuck inside librdkafka, which happens: 2.16 waits for good
    /// in send_offsets_to_transaction when the group coordinator it cached leaves the cluster's metadata
    /// (librdkafka#5511). Failing the stream lets a supervisor restart it instead of hanging it; the stuck producer is
    /// left to its thread (closing it would wait behind the stuck call).
    /// </summary>
    private async Task Bounded(Task step, string doing, int blockingCalls)
    {
        var limit = _settings.OperationTimeout * (2 * blockingCalls + 1);
        try
        {
            await step.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new KafkaTransactionException(
                $"Transaction of {_settings.TransactionalId} is stuck: the Kafka client did not return within {limit.TotalSeconds:0.#} s while {doing}, " +
                $"though each call it makes has a timeout of {_settings.OperationTimeout.TotalSeconds:0.#} s (a client bug such as librdkafka#5511). The stream fails so that it can be restarted.");
        }
    }

    // librdkafka asks for the same call again after a retriable error (for example a coordinator moving).
    private void Retrying(Action call)
    {
        var deadline = DateTime.UtcNow + _settings.OperationTimeout;
        while (true)
        {
            try
            {
                call();
                return;
            }
            catch (KafkaRetriableException error) when (DateTime.UtcNow < deadline)
            {
                _logger.LogInformation("Retrying a transactional call of {TransactionalId} after {Code}", _settings.TransactionalId, error.Error.Code);
            }
        }
    }

    /// <summary>A failed send fails the flow; when this instance was fenced, it says so.</summary>
    public Exception DeliveryFailure(Exception error) => error switch
    {
        KafkaException kafka when IsFencing(kafka.Error) => Classify(kafka, "producing"),
        // librdkafka purges queued sends when the transaction fails fatally (most often: fenced); the cause is logged.
        KafkaException { Error.Code: ErrorCode.Local_PurgeQueue } purged => new KafkaTransactionException(
            $"Sends of {_settings.TransactionalId} were purged: the transactional producer failed fatally (fenced by a newer instance, see the log); the transaction is lost.", purged),
        _ => error,
    };

    // After fencing, librdkafka fails queued sends with the generic Local_Fatal; its reason names the fencing.
    private static bool IsFencing(Error error) =>
        FencingErrors.Contains(error.Code) || (error.Code == ErrorCode.Local_Fatal && error.Reason.Contains("fenced", StringComparison.OrdinalIgnoreCase));

    private KafkaTransactionException Classify(KafkaException error, string doing) => IsFencing(error.Error)
        ? new ProducerFencedException(
            $"Transactional producer {_settings.TransactionalId} was fenced while {doing} ({error.Error.Code}: {error.Error.Reason}): another instance took over its " +
            "transactional id or its consumer's partitions. Its transaction was aborted; restart to resume from the last committed offsets.", error)
        : new KafkaTransactionException(
            $"Transaction of {_settings.TransactionalId} failed while {doing} ({error.Error.Code}: {error.Error.Reason}); it was aborted.", error);
}
