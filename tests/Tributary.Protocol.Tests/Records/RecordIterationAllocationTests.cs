using Tributary.Protocol.Records;

namespace Tributary.Protocol.Tests.Records;

/// <summary>Iterating stored uncompressed batches, as a fetch does, must not allocate per record.</summary>
public class RecordIterationAllocationTests
{
    [Fact]
    public void Iterating_uncompressed_batches_allocates_nothing()
    {
        var records = Enumerable.Range(0, 1_000)
            .Select(i => new TestRecord(i, BitConverter.GetBytes(i), new byte[100], [("h", [1, 2]), ("n", null)]))
            .ToArray();
        var buffer = TestRecord.Batch(records).Concat(TestRecord.Batch(records)).ToArray();
        var checksum = Iterate(buffer); // warm up: JIT and static initialisation allocate

        var before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Iterate(buffer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.NotEqual(0, checksum);
    }

    private static long Iterate(ReadOnlyMemory<byte> buffer)
    {
        long sum = 0;
        foreach (var batch in new RecordBatchSequence(buffer))
        {
            batch.Validate();
            using var records = batch.ReadRecords();
            foreach (var record in records)
            {
                sum += record.Offset + record.Timestamp + record.Key.Span[0] + record.Value.Length;
                foreach (var header in record.Headers) sum += header.KeyUtf8.Length + header.Value.Length;
            }
        }
        return sum;
    }
}
