using Tributary.Protocol;
using Tributary.Protocol.Records;

namespace Tributary.Broker.Tests.Transactions;

/// <summary>Record batches as a transactional producer sends them.</summary>
internal static class TransactionalBatches
{
    /// <summary>A batch of <paramref name="count"/> records from <paramref name="producerId"/>, transactional unless told otherwise.</summary>
    public static byte[] Create(long producerId, short epoch, int baseSequence, int count = 1, bool transactional = true, bool control = false)
    {
        using var output = new PooledBufferWriter();
        using (var builder = new RecordBatchBuilder(output, new RecordBatchOptions
        {
            ProducerId = producerId,
            ProducerEpoch = epoch,
            BaseSequence = baseSequence,
            IsTransactional = transactional,
            IsControl = control,
        }))
        {
            for (var i = 0; i < count; i++) builder.Append(1_000, null, new byte[8]);
            builder.Complete();
        }
        return output.ToArray();
    }
}
