using System.Reflection;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Streams.Internal;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>
/// A transactional call that never returns (librdkafka 2.16 can wait for good in send_offsets_to_transaction when
/// the group coordinator it cached leaves the metadata, librdkafka#5511) fails the step with a clear error once every
/// timeout it could use has passed, so the stream fails and can be restarted instead of hanging.
/// </summary>
public sealed class StuckClientTests
{
    [Fact]
    public async Task A_commit_stuck_inside_the_client_fails_with_an_error_naming_the_transactional_id()
    {
        using var release = new ManualResetEventSlim();
        var producer = DispatchProxy.Create<IProducer<string, string>, StuckProducer>();
        ((StuckProducer)(object)producer).Release = release;
        var settings = TransactionalSettings.Create("stuck-id").WithOperationTimeout(TimeSpan.FromMilliseconds(100));
        var transactional = new TransactionalProducer<string, string>(producer, settings, NullLogger.Instance);

        var commit = transactional.CommitAsync(new Dictionary<TransactionalSourceState, Dictionary<TopicPartition, long>>());
        var error = await Assert.ThrowsAsync<KafkaTransactionException>(() => commit.WaitAsync(TimeSpan.FromSeconds(30)));
        release.Set();

        Assert.Contains("stuck-id", error.Message);
        Assert.Contains("did not return within 0.3 s while committing", error.Message);
    }

    /// <summary>A producer whose CommitTransaction blocks until released; every other call does nothing.</summary>
    public class StuckProducer : DispatchProxy
    {
        public ManualResetEventSlim? Release { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IProducer<string, string>.CommitTransaction))
                Release!.Wait();
            return null;
        }
    }
}
