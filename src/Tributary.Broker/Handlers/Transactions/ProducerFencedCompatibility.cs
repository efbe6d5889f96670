using Tributary.Protocol;

namespace Tributary.Broker.Handlers.Transactions;

/// <summary>
/// PRODUCER_FENCED (KIP-588) is unknown to clients of older request versions: they get INVALID_PRODUCER_EPOCH,
/// which they read as fenced, as Kafka does.
/// </summary>
internal static class ProducerFencedCompatibility
{
    /// <summary><paramref name="error"/>, translated for a request of <paramref name="version"/> when that predates <paramref name="firstVersionWithProducerFenced"/>.</summary>
    public static ErrorCode ForVersion(ErrorCode error, short version, short firstVersionWithProducerFenced) =>
        error == ErrorCode.ProducerFenced && version < firstVersionWithProducerFenced ? ErrorCode.InvalidProducerEpoch : error;
}
