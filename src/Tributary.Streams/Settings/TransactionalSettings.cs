using Confluent.Kafka;

namespace Tributary.Streams.Settings;

/// <summary>
/// Settings of a transactional producer flow: its transactional id, how often it commits, and the timeouts of its
/// transactions. Immutable; every <c>With</c> method returns a copy.
/// </summary>
public sealed record TransactionalSettings
{
    private TransactionalSettings(string transactionalId) => TransactionalId = transactionalId;

    /// <summary>
    /// The producer's <c>transactional.id</c>. Give each running instance its own, stable across restarts: a restarted
    /// instance with the same id fences its predecessor and aborts the transaction it left open at once, instead of
    /// the broker waiting for <see cref="TransactionTimeout"/>.
    /// </summary>
    public string TransactionalId { get; init; }

    /// <summary>How often the open transaction is committed (with the offsets of the records it consumed).</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a transaction may stay open before the broker aborts it (<c>transaction.timeout.ms</c>).</summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for one blocking transactional call (init, send offsets, commit, abort).</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Settings with the defaults: commit every 100 ms, transactions time out after 60 s.</summary>
    /// <param name="transactionalId">The producer's transactional id (see <see cref="TransactionalId"/>).</param>
    public static TransactionalSettings Create(string transactionalId) =>
        string.IsNullOrWhiteSpace(transactionalId)
            ? throw new ArgumentException("A transactional id is required.", nameof(transactionalId))
            : new TransactionalSettings(transactionalId);

    /// <summary>
    /// Settings for the flow of one partition of a <see cref="Transactional.PartitionedSource{TKey,TValue}"/>: the
    /// transactional id becomes <c>{TransactionalId}-{topic}-{partition}</c>, so each sub-stream has its own producer.
    /// </summary>
    /// <param name="partition">The sub-stream's partition.</param>
    public TransactionalSettings ForPartition(TopicPartition partition) =>
        this with { TransactionalId = $"{TransactionalId}-{partition.Topic}-{partition.Partition.Value}" };

    /// <summary>Returns settings with another commit interval.</summary>
    /// <param name="interval">Time between commits; positive.</param>
    public TransactionalSettings WithCommitInterval(TimeSpan interval) => this with { CommitInterval = Positive(interval, nameof(interval)) };

    /// <summary>Returns settings with another transaction timeout.</summary>
    /// <param name="timeout">Broker-side limit of an open transaction; positive, whole milliseconds.</param>
    public TransactionalSettings WithTransactionTimeout(TimeSpan timeout) => this with { TransactionTimeout = Positive(timeout, nameof(timeout)) };

    /// <summary>Returns settings with another operation timeout.</summary>
    /// <param name="timeout">Longest wait for one blocking transactional call; positive.</param>
    public TransactionalSettings WithOperationTimeout(TimeSpan timeout) => this with { OperationTimeout = Positive(timeout, nameof(timeout)) };

    /// <summary>The producer settings with this flow's transactional properties set.</summary>
    internal ProducerSettings<TKey, TValue> Apply<TKey, TValue>(ProducerSettings<TKey, TValue> producerSettings)
    {
        if (producerSettings.Producer is not null)
            throw new ArgumentException("A transactional flow owns its producer; settings with a shared producer cannot be used.", nameof(producerSettings));
        return producerSettings
            .WithProperty("transactional.id", TransactionalId)
            .WithProperty("transaction.timeout.ms", ((long)TransactionTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithProperty("enable.idempotence", "true");
    }

    private static TimeSpan Positive(TimeSpan value, string name) => value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name);
}
