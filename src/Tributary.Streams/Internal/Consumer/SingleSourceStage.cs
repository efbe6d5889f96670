using Akka.Streams;
using Akka.Streams.Stage;
using Akka.Streams.Supervision;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// A source emitting the records of all its partitions in one stream. One buffer is shared by the partitions:
/// when it is full they are all paused, and the records of a revoked partition are dropped from it.
/// </summary>
internal sealed class SingleSourceStage<TKey, TValue, TMessage>(
    ConsumerSettings<TKey, TValue> settings,
    ISubscription subscription,
    Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TMessage> toMessage,
    SharedKafkaConsumer<TKey, TValue>? shared = null,
    Action<IOffsetCommitter, IReadOnlySet<TopicPartition>>? onRevoke = null)
    : GraphStageWithMaterializedValue<SourceShape<TMessage>, IControl>
{
    private readonly Outlet<TMessage> _outlet = new("KafkaSource.out");
    private readonly ConsumerSettings<TKey, TValue> _settings = settings;
    private readonly ISubscription _subscription = subscription;
    private readonly Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TMessage> _toMessage = toMessage;
    private readonly SharedKafkaConsumer<TKey, TValue>? _shared = shared;
    private readonly Action<IOffsetCommitter, IReadOnlySet<TopicPartition>>? _onRevoke = onRevoke;


    public override SourceShape<TMessage> Shape => new(_outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("KafkaSource");

    public override ILogicAndMaterializedValue<IControl> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var control = new SourceControl();
        return new LogicAndMaterializedValue<IControl>(new Logic(this, control, inheritedAttributes), control);
    }

    private sealed class Logic(SingleSourceStage<TKey, TValue, TMessage> stage, SourceControl control, Attributes inheritedAttributes)
        : KafkaSourceLogic<TKey, TValue, TMessage>(stage.Shape, stage._settings, stage._subscription, stage._shared, control, inheritedAttributes)
    {
        private SingleOwner? _owner;
        private readonly ProcessSpans _spans = new(stage._settings.GroupId ?? "");

        protected override PartitionOwner<TKey, TValue> Owner => _owner ?? throw new InvalidOperationException("The stage has not started.");

        protected override void CreateOwner(Decider decider, Action<Exception> fail, Action closed)
        {
            var buffer = new PartitionBuffer<TKey, TValue>(Settings.BufferSize, Driver.Wake);
            var driver = Driver;
            buffer.Attach(GetAsyncCallback(TryPush));
            _owner = new SingleOwner(decider, buffer, fail, closed, partitions => stage._onRevoke?.Invoke(driver, partitions));
        }

        // The old consumer's records after the failure are not emitted; the new consumer reads them again.
        protected override void OnRestarting() => _owner!.Buffer.Close();

        protected override void Register(ConsumerDriver<TKey, TValue> consumer)
        {
            if (stage._subscription is IAutoSubscription auto)
                consumer.Subscribe(auto, Owner);
            else
                consumer.Attach((IManualSubscription)stage._subscription, Owner);
        }

        protected override void OnPull() => TryPush();

        // Buffered records will not be emitted any more: drop them (they are not committed, so they are read again
        // later) and let the partitions pause.
        protected override void OnStopped()
        {
            _owner!.Buffer.Close();
            _spans.End();
        }

        public override void PostStop()
        {
            _spans.End();
            base.PostStop();
        }

        private void TryPush()
        {
            if (!IsAvailable(Out))
                return;
            // Pulled: downstream is done with the record emitted last.
            _spans.End();
            switch (_owner!.Buffer.TryTake(out var record, out var error))
            {
                case TakeOutcome.Record:
                    _spans.Emitting(record!);
                    Push(Out, stage._toMessage(record!, Driver));
                    break;
                case TakeOutcome.Failed:
                    OnFailure(error!);
                    break;
            }
        }
    }

    private sealed class SingleOwner(Decider decider, PartitionBuffer<TKey, TValue> buffer, Action<Exception> fail, Action closed, Action<IReadOnlySet<TopicPartition>> revoked)
        : PartitionOwner<TKey, TValue>(decider)
    {
        public PartitionBuffer<TKey, TValue> Buffer => buffer;

        public override PartitionBuffer<TKey, TValue> Assigned(TopicPartition partition) => buffer;

        public override void Released(TopicPartition partition, PartitionBuffer<TKey, TValue> released) => released.Drop(partition);

        public override void ReleaseCompleted(IReadOnlySet<TopicPartition> partitions) => revoked(partitions);

        public override void Failed(Exception error) => fail(error);

        public override void Closed() => closed();
    }
}
