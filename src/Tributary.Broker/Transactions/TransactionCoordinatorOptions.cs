namespace Tributary.Broker.Transactions;

/// <summary>The transaction coordinator's settings (Kafka's transaction.* broker configs).</summary>
internal sealed record TransactionCoordinatorOptions
{
    /// <summary>The largest transaction.timeout.ms a producer may ask for (transaction.max.timeout.ms). Default 15 minutes.</summary>
    public TimeSpan MaxTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often transactions past their timeout are looked for and aborted. Default 1 second (Kafka: 10 seconds).</summary>
    public TimeSpan AbortCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an idle transactional id is kept (transactional.id.expiration.ms). Default 7 days.</summary>
    public TimeSpan TransactionalIdExpiration { get; init; } = TimeSpan.FromDays(7);
}
