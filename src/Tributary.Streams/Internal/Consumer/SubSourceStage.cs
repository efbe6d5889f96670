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
    Action<Exception> restart,
    string groupId)
    : GraphStage<SourceShape<TMessage>>
{
    private readonly TopicPartition _partition = partition;
    private readonly PartitionBuffer<TKey, TValue> _buffer = buffer;
    private readonly Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TMessage> _toMessage = toMessage;
    private readonly IOffsetCommitter _committer = committer;
    private readonly Action<TopicPartition, PartitionBuffer<TKey, TValue>> _reoffer = reoffer;
    // Tells the partitioned source (thread-safe) that its consumer is to be restarted.
    private readonly Action<Exception> _restart = restart;
    private readonly string _groupId = groupId;
    private readonly Outlet<TMessage> _outlet = new($"KafkaSubSource-{partition.Topic}-{partition.Partition.Value}.out");

    public override SourceShape<TMessage> Shape => new(_outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName($"KafkaSubSource-{partition.Topic}-{partition.Partition.Value}");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : GraphStageLogic
    {
        private readonly SubSourceStage<TKey, TValue, TMessage> _stage;
        private readonly ProcessSpans _spans;

        public Logic(SubSourceStage<TKey, TValue, TMessage> stage) : base(stage.Shape)
        {
            _stage = stage;
            _spans = new ProcessSpans(stage._groupId);
            SetHandler(stage._outlet, onPull: TryPush, onDownstreamFinish: _ => OnCancelled());
        }

        public override void PreStart() => _stage._buffer.Attach(GetAsyncCallback(TryPush));

        public override void PostStop() => _spans.End();

        private void TryPush()
        {
            if (!IsAvailable(_stage._outlet))
            {
                if (_stage._buffer.IsClosed)
                    CompleteStage();
                return;
            }
            // Pulled: downstream is done with the record emitted last.
            _spans.End();
            switch (_stage._buffer.TryTake(out var record, out var error))
            {
                case TakeOutcome.Record:
                    _spans.Emitting(record!);
                    Push(_stage._outlet, _stage._toMessage(record!, _stage._committer));
                    break;
                case TakeOutcome.Failed when error is ConsumerRestartRequested:
                    _stage._restart(error);
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
            _stage._buffer.Detach();
            if (!_stage._buffer.IsClosed)
                _stage._reoffer(_stage._partition, _stage._buffer);
            CompleteStage();
        }
    }
}
