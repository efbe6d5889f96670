using Akka.Streams;
using Akka.Streams.Stage;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>The source of one partition within a partitioned source; reads that partition's buffer.</summary>
internal sealed class SubSourceStage<TKey, TValue, TMessage>(
    TopicPartition partition,
    PartitionBuffer<TKey, TValue> buffer,
    Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TMessage> toMessage,
    IOffsetCommitter committer,
    Action<TopicPartition, PartitionBuffer<TKey, TValue>> reoffer,
    Action<Exception> restart)
    : GraphStage<SourceShape<TMessage>>
{
    private readonly TopicPartition partition = partition;
    private readonly PartitionBuffer<TKey, TValue> buffer = buffer;
    private readonly Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TMessage> toMessage = toMessage;
    private readonly IOffsetCommitter committer = committer;
    private readonly Action<TopicPartition, PartitionBuffer<TKey, TValue>> reoffer = reoffer;
    // Tells the partitioned source (thread-safe) that its consumer is to be restarted.
    private readonly Action<Exception> restart = restart;
    private readonly Outlet<TMessage> outlet = new($"KafkaSubSource-{partition.Topic}-{partition.Partition.Value}.out");

    public override SourceShape<TMessage> Shape => new(outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName($"KafkaSubSource-{partition.Topic}-{partition.Partition.Value}");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : GraphStageLogic
    {
        private readonly SubSourceStage<TKey, TValue, TMessage> stage;

        public Logic(SubSourceStage<TKey, TValue, TMessage> stage) : base(stage.Shape)
        {
            this.stage = stage;
            SetHandler(stage.outlet, onPull: TryPush, onDownstreamFinish: _ => OnCancelled());
        }

        public override void PreStart() => stage.buffer.Attach(GetAsyncCallback(TryPush));

        private void TryPush()
        {
            if (!IsAvailable(stage.outlet))
            {
                if (stage.buffer.IsClosed)
                    CompleteStage();
                return;
            }
            switch (stage.buffer.TryTake(out var record, out var error))
            {
                case TakeOutcome.Record:
                    Push(stage.outlet, stage.toMessage(record!, stage.committer));
                    break;
                case TakeOutcome.Failed when error is ConsumerRestartRequested:
                    stage.restart(error);
                    CompleteStage();
                    break;
                case TakeOutcome.Failed:
                    FailStage(error!);
                    break;
                case TakeOutcome.Closed:
                    CompleteStage();
                    break;
            }
        }

        private void OnCancelled()
        {
            stage.buffer.Detach();
            if (!stage.buffer.IsClosed)
                stage.reoffer(stage.partition, stage.buffer);
            CompleteStage();
        }
    }
}
