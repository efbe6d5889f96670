namespace Tributary.Broker.Handlers;

/// <summary>
/// The handlers of the cluster core (everything but groups, which come from <c>GroupHandlers</c>, producer ids and
/// transactions, which come from <c>TransactionHandlers</c>, and ApiVersions, which wraps them all).
/// </summary>
internal static class CoreHandlers
{
    /// <summary>A fresh set of core handlers.</summary>
    public static IEnumerable<IApiHandler> Create() =>
    [
        new ProduceHandler(),
        new FetchHandler(),
        new ListOffsetsHandler(),
        new MetadataHandler(),
        new FindCoordinatorHandler(),
        new CreateTopicsHandler(),
        new DeleteTopicsHandler(),
        new DeleteRecordsHandler(),
        new OffsetForLeaderEpochHandler(),
        new DescribeConfigsHandler(),
        new AlterConfigsHandler(),
        new CreatePartitionsHandler(),
        new IncrementalAlterConfigsHandler(),
        new DescribeClusterHandler(),
    ];
}
