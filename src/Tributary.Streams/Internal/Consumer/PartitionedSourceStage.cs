using System.Collections.Concurrent;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Stage;
using Akka.Streams.Supervision;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// Emits one sub-source per assigned partition. Each assignment of a partition gets its own buffer; revoking the
/// partition closes that buffer (its sub-source completes, its records are dropped) before the revoke handler
/// returns, so a partition revoked and assigned again has exactly one live sub-source. A sub-source cancelled by
/// downstream while its partition is still assigned is emitted again over the same buffer, losing nothing.
/// </summary>
internal sealed class PartitionedSourceStage<TKey, TValue, TMessage>(
    ConsumerSettings<TKey, TValue> settings,
    IAutoSubscription subscription,
    Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TMessage> toMessage,
    Func<IReadOnlySet<TopicPartition>, IReadOnlyDictionary<TopicPartition, long>>? startOffsets = null,
    Action<IOffsetCommitter, IReadOnlySet<TopicPartition>>? onRevoke = null)
    : GraphStageWithMaterializedValue<SourceShape<(TopicPartition, Source<TMessage, NotUsed>)>, IControl>
{
    private readonly Outlet<(TopicPartition, Source<TMessage, NotUsed>)> _outlet = new("KafkaPartitionedSource.out");
    private readonly ConsumerSettings<TKey, TValue> _settings = settings;
    private readonly IAutoSubscription _subscription = subscription;
    private readonly Func<ConsumeResult<TKey, TValue>, IOffsetCommitter, TMessage> _toMessage = toMessage;
    private readonly Func<IReadOnlySet<TopicPartition>, IReadOnlyDictionary<TopicPartition, long>>? _startOffsets = startOffsets;
    private readonly Action<IOffsetCommitter, IReadOnlySet<TopicPartition>>? _onRevoke = onRevoke;


    public override SourceShape<(TopicPartition, Source<TMessage, NotUsed>)> Shape => new(_outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("KafkaPartitionedSource");

    public override ILogicAndMaterializedValue<IControl> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var control = new SourceControl();
        return new LogicAndMaterializedValue<IControl>(new Logic(this, control, inheritedAttributes), control);
    }

    private sealed class Logic(PartitionedSourceStage<TKey, TValue, TMessage> stage, SourceControl control, Attributes inheritedAttributes)
        : KafkaSourceLogic<TKey, TValue, (TopicPartition, Source<TMessage, NotUsed>)>(stage.Shape, stage._settings, stage._subscription, null, control, inheritedAttributes)
    {
        private readonly PartitionedSourceStage<TKey, TValue, TMessage> _stage = stage;
        private readonly ConcurrentQueue<(TopicPartition Partition, PartitionBuffer<TKey, TValue> Buffer)> _ready = new();
        private PerPartitionOwner? _owner;
        private Action? _emitReady;
        private Action<Exception>? _subSourceFailed;

        protected override PartitionOwner<TKey, TValue> Owner => _owner ?? throw new InvalidOperationException("The stage has not started.");

        protected override void CreateOwner(Decider decider, Action<Exception> fail, Action closed)
        {
            _emitReady ??= GetAsyncCallback(EmitReady);
            _subSourceFailed ??= GetAsyncCallback<Exception>(OnFailure);
            _owner = new PerPartitionOwner(decider, this, Driver, fail, closed);
        }

        // Sub-sources of the old consumer complete; the new consumer's assignment emits new ones.
        protected override void OnRestarting()
        {
            _owner!.CloseAll();
            while (_ready.TryDequeue(out _))
            {
            }
        }

        protected override void Register(ConsumerDriver<TKey, TValue> consumer) => consumer.Subscribe(_stage._subscription, Owner);

        protected override void OnPull() => EmitReady();

        protected override void OnStopped() => _owner!.CloseAll();

        /// <summary>Thread-safe: queues a partition's buffer to be emitted as a sub-source.</summary>
        private void Offer(TopicPartition partition, PartitionBuffer<TKey, TValue> buffer)
        {
            _ready.Enqueue((partition, buffer));
            _emitReady!();
        }

        private void EmitReady()
        {
            while (IsAvailable(Out) && _ready.TryDequeue(out var next))
            {
                if (next.Buffer.IsClosed)
                    continue;
                var subSource = Source.FromGraph(new SubSourceStage<TKey, TValue, TMessage>(next.Partition, next.Buffer, _stage._toMessage, Driver, Offer, _subSourceFailed!, Driver.GroupId));
                Push(Out, (next.Partition, subSource));
            }
        }

        private sealed class PerPartitionOwner(Decider decider, Logic logic, ConsumerDriver<TKey, TValue> driver, Action<Exception> fail, Action closed)
            : PartitionOwner<TKey, TValue>(decider)
        {
            private readonly ConcurrentDictionary<TopicPartition, PartitionBuffer<TKey, TValue>> _live = new();
            private volatile bool _stopped;

            public override PartitionBuffer<TKey, TValue> Assigned(TopicPartition partition)
            {
                var buffer = new PartitionBuffer<TKey, TValue>(logic.Settings.BufferSize, driver.Wake);
                if (_stopped)
                {
                    // Assigned after Stop: nothing will read it, so it stays closed and its partition paused.
                    buffer.Close();
                    return buffer;
                }
                _live[partition] = buffer;
                logic.Offer(partition, buffer);
                return buffer;
            }

            public override IReadOnlyDictionary<TopicPartition, long>? StartOffsets(IReadOnlyCollection<TopicPartition> partitions) =>
                logic._stage._startOffsets?.Invoke(partitions.ToHashSet());

            public override void Released(TopicPartition partition, PartitionBuffer<TKey, TValue> buffer)
            {
                buffer.Close();
                _live.TryRemove(new KeyValuePair<TopicPartition, PartitionBuffer<TKey, TValue>>(partition, buffer));
            }

            public override void ReleaseCompleted(IReadOnlySet<TopicPartition> partitions) => logic._stage._onRevoke?.Invoke(driver, partitions);

            public override void Failed(Exception error)
            {
                foreach (var buffer in _live.Values)
                    buffer.Fail(error);
                fail(error);
            }

            public override void Closed() => closed();

            public void CloseAll()
            {
                _stopped = true;
                foreach (var buffer in _live.Values)
                    buffer.Close();
            }
        }
    }
}
