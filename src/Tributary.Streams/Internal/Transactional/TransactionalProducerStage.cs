using Akka.Streams;
using Akka.Streams.Stage;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams.Internal;

/// <summary>
/// Produces envelopes in Kafka transactions with one transactional producer (KIP-447) and commits every
/// <see cref="TransactionalSettings.CommitInterval"/>: stop pulling, send the
/// consumed offsets with the source consumer's group metadata, commit, begin the next transaction, pull again.
/// Results are emitted in input order as soon as their records are acknowledged (before the commit). Every blocking
/// transactional call runs on a <see cref="TransactionWorker"/>; a failure or stop aborts the open transaction.
/// </summary>
internal sealed class TransactionalProducerStage<TKey, TValue, TPassThrough>(ProducerSettings<TKey, TValue> producerSettings, TransactionalSettings settings)
    : GraphStage<FlowShape<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>>>
    where TPassThrough : GroupTopicPartitionOffset
{
    private const string CommitTimerKey = "commit";
    private readonly ProducerSettings<TKey, TValue> _producerSettings = settings.Apply(producerSettings);
    private readonly TransactionalSettings _settings = settings;
    private readonly Inlet<IEnvelope<TKey, TValue, TPassThrough>> _inlet = new("TransactionalProducer.in");
    private readonly Outlet<IResults<TKey, TValue, TPassThrough>> _outlet = new("TransactionalProducer.out");

    public override FlowShape<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>> Shape => new(_inlet, _outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("TransactionalProducer");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private enum Phase
    {
        Initializing,
        Open,
        Committing,
    }

    private sealed class Logic : TimerGraphStageLogic, ITransactionalSink
    {
        private readonly TransactionalProducerStage<TKey, TValue, TPassThrough> _stage;
        private OrderedDeliveries<TKey, TValue, TPassThrough> _inFlight = null!;
        private readonly HashSet<TransactionalSourceState> _sources = new();
        // Records were sent in the open transaction (its commit has something to flush and write).
        private bool _uncommittedSends;
        private Dictionary<TransactionalSourceState, Dictionary<TopicPartition, long>> _offsets = new();
        private TransactionalProducer<TKey, TValue>? _producer;
        private bool _restoreHeaders;
        private Phase _phase = Phase.Initializing;
        // Pushed after a commit started (its pull was already out): produced once the next transaction is open.
        private IEnvelope<TKey, TValue, TPassThrough>? _held;
        private bool _commitWanted;
        private Action? _transactionReady;
        private Action<Exception>? _transactionFailed;
        private Action? _commitSoon;
        private Action<Exception>? _abort;

        public Logic(TransactionalProducerStage<TKey, TValue, TPassThrough> stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage._inlet, onPush: OnPush, onUpstreamFinish: Drain);
            SetHandler(stage._outlet, onPull: Drain);
        }

        public override void PreStart()
        {
            _inFlight = new(GetAsyncCallback(() =>
            {
                _inFlight.Woken();
                Drain();
            }));
            _transactionReady = GetAsyncCallback(() =>
            {
                _phase = Phase.Open;
                if (_held is { } envelope)
                {
                    _held = null;
                    Produce(envelope);
                }
                Drain();
            });
            _transactionFailed = GetAsyncCallback<Exception>(FailStage);
            _commitSoon = GetAsyncCallback(() =>
            {
                _commitWanted = true;
                Drain();
            });
            _abort = GetAsyncCallback<Exception>(FailStage);
            _producer = new TransactionalProducer<TKey, TValue>(_stage._producerSettings.NewStageProducer(out _restoreHeaders),
                _stage._settings, _stage._producerSettings.Logger);
            Watch(_producer.InitAsync());
            ScheduleRepeatedly(CommitTimerKey, _stage._settings.CommitInterval);
        }

        public override void PostStop()
        {
            foreach (var source in _sources)
                source.Unregister(this);
            if (_producer is null)
                return;
            // Waiting here (bounded, as the plain producer stage waits for its flush) means the stream completes only
            // once the open transaction is aborted and the producer closed, so an instance restarted under the same
            // transactional id never races a late abort of this one, which would fence the new instance.
            ((IAsyncResult)_producer.AbortAndDispose()).AsyncWaitHandle.WaitOne(_stage._producerSettings.CloseTimeout);
        }

        void ITransactionalSink.CommitSoon() => _commitSoon!();

        void ITransactionalSink.Abort(Exception reason) => _abort!(reason);

        protected override void OnTimer(object timerKey)
        {
            _commitWanted = true;
            Drain();
        }

        private void OnPush()
        {
            var envelope = Grab(_stage._inlet);
            if (_phase == Phase.Open)
                Produce(envelope);
            else
                _held = envelope;
        }

        private void Produce(IEnvelope<TKey, TValue, TPassThrough> envelope)
        {
            if (envelope.PassThrough is not TransactionalOffset offset)
            {
                FailStage(new ArgumentException(
                    $"A transactional flow needs the offset of a Transactional source as pass-through, not {envelope.PassThrough?.GetType().Name ?? "null"}."));
                return;
            }
            Track(offset);
            _inFlight.Add(EnvelopeDelivery<TKey, TValue, TPassThrough>.Send(_producer!.Producer, envelope, _restoreHeaders));
            _uncommittedSends = true;
            Drain();
        }

        private void Track(TransactionalOffset offset)
        {
            if (_sources.Add(offset.Source))
                offset.Source.Register(this);
            if (!_offsets.TryGetValue(offset.Source, out var partitions))
                _offsets[offset.Source] = partitions = new Dictionary<TopicPartition, long>();
            var next = offset.Offset.Value + 1;
            var partition = offset.TopicPartition;
            if (!partitions.TryGetValue(partition, out var known) || known < next)
                partitions[partition] = next;
        }

        private void Drain()
        {
            while (IsAvailable(_stage._outlet) && _inFlight.TryTakeCompleted(out var head))
            {
                if (head.Error is { } error)
                {
                    FailStage(_producer!.DeliveryFailure(error));
                    return;
                }
                Push(_stage._outlet, head.Result);
            }
            if (IsAvailable(_stage._outlet))
                _inFlight.WakeWhenOldestCompletes();
            if (_phase != Phase.Open || _held is not null)
                return;
            var uncommitted = _uncommittedSends || _offsets.Count > 0;
            if (uncommitted && (_commitWanted || IsClosed(_stage._inlet)))
                StartCommit();
            else if (IsClosed(_stage._inlet))
            {
                if (_inFlight.Count == 0 && !uncommitted)
                    CompleteStage();
            }
            else if (!HasBeenPulled(_stage._inlet) && _inFlight.Count < _stage._producerSettings.Parallelism)
            {
                _commitWanted = false;
                Pull(_stage._inlet);
            }
        }

        private void StartCommit()
        {
            _phase = Phase.Committing;
            _commitWanted = false;
            var committingOffsets = _offsets;
            _uncommittedSends = false;
            _offsets = new Dictionary<TransactionalSourceState, Dictionary<TopicPartition, long>>();
            Watch(_producer!.CommitAsync(committingOffsets));
        }

        private void Watch(Task transactionStep)
        {
            var ready = _transactionReady!;
            var failed = _transactionFailed!;
            transactionStep.ContinueWith(
                step =>
                {
                    if (step.IsCompletedSuccessfully)
                        ready();
                    else
                        failed(step.Exception?.InnerException ?? new TaskCanceledException(step));
                },
                TaskContinuationOptions.ExecuteSynchronously);
        }
    }
}
