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
    private readonly ProducerSettings<TKey, TValue> producerSettings = settings.Apply(producerSettings);
    private readonly TransactionalSettings settings = settings;
    private readonly Inlet<IEnvelope<TKey, TValue, TPassThrough>> inlet = new("TransactionalProducer.in");
    private readonly Outlet<IResults<TKey, TValue, TPassThrough>> outlet = new("TransactionalProducer.out");

    public override FlowShape<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>> Shape => new(inlet, outlet);

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
        private readonly TransactionalProducerStage<TKey, TValue, TPassThrough> stage;
        private OrderedDeliveries<TKey, TValue, TPassThrough> inFlight = null!;
        private readonly HashSet<TransactionalSourceState> sources = new();
        // Records were sent in the open transaction (its commit has something to flush and write).
        private bool uncommittedSends;
        private Dictionary<TransactionalSourceState, Dictionary<TopicPartition, long>> offsets = new();
        private TransactionalProducer<TKey, TValue>? producer;
        private Phase phase = Phase.Initializing;
        // Pushed after a commit started (its pull was already out): produced once the next transaction is open.
        private IEnvelope<TKey, TValue, TPassThrough>? held;
        private bool commitWanted;
        private Action? transactionReady;
        private Action<Exception>? transactionFailed;
        private Action? commitSoon;
        private Action<Exception>? abort;

        public Logic(TransactionalProducerStage<TKey, TValue, TPassThrough> stage) : base(stage.Shape)
        {
            this.stage = stage;
            SetHandler(stage.inlet, onPush: OnPush, onUpstreamFinish: Drain);
            SetHandler(stage.outlet, onPull: Drain);
        }

        public override void PreStart()
        {
            inFlight = new(GetAsyncCallback(() =>
            {
                inFlight.Woken();
                Drain();
            }));
            transactionReady = GetAsyncCallback(() =>
            {
                phase = Phase.Open;
                if (held is { } envelope)
                {
                    held = null;
                    Produce(envelope);
                }
                Drain();
            });
            transactionFailed = GetAsyncCallback<Exception>(FailStage);
            commitSoon = GetAsyncCallback(() =>
            {
                commitWanted = true;
                Drain();
            });
            abort = GetAsyncCallback<Exception>(FailStage);
            producer = new TransactionalProducer<TKey, TValue>(stage.producerSettings.CreateProducer(), stage.settings, stage.producerSettings.Logger);
            Watch(producer.InitAsync());
            ScheduleRepeatedly(CommitTimerKey, stage.settings.CommitInterval);
        }

        public override void PostStop()
        {
            foreach (var source in sources)
                source.Unregister(this);
            if (producer is null)
                return;
            // Waiting here (bounded, as the plain producer stage waits for its flush) means the stream completes only
            // once the open transaction is aborted and the producer closed, so an instance restarted under the same
            // transactional id never races a late abort of this one, which would fence the new instance.
            ((IAsyncResult)producer.AbortAndDispose()).AsyncWaitHandle.WaitOne(stage.producerSettings.CloseTimeout);
        }

        void ITransactionalSink.CommitSoon() => commitSoon!();

        void ITransactionalSink.Abort(Exception reason) => abort!(reason);

        protected override void OnTimer(object timerKey)
        {
            commitWanted = true;
            Drain();
        }

        private void OnPush()
        {
            var envelope = Grab(stage.inlet);
            if (phase == Phase.Open)
                Produce(envelope);
            else
                held = envelope;
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
            inFlight.Add(EnvelopeDelivery<TKey, TValue, TPassThrough>.Send(producer!.Producer, envelope));
            uncommittedSends = true;
            Drain();
        }

        private void Track(TransactionalOffset offset)
        {
            if (sources.Add(offset.Source))
                offset.Source.Register(this);
            if (!offsets.TryGetValue(offset.Source, out var partitions))
                offsets[offset.Source] = partitions = new Dictionary<TopicPartition, long>();
            var next = offset.Offset.Value + 1;
            var partition = offset.TopicPartition;
            if (!partitions.TryGetValue(partition, out var known) || known < next)
                partitions[partition] = next;
        }

        private void Drain()
        {
            while (IsAvailable(stage.outlet) && inFlight.TryTakeCompleted(out var head))
            {
                if (head.Error is { } error)
                {
                    FailStage(producer!.DeliveryFailure(error));
                    return;
                }
                Push(stage.outlet, head.Result);
            }
            if (IsAvailable(stage.outlet))
                inFlight.WakeWhenOldestCompletes();
            if (phase != Phase.Open || held is not null)
                return;
            var uncommitted = uncommittedSends || offsets.Count > 0;
            if (uncommitted && (commitWanted || IsClosed(stage.inlet)))
                StartCommit();
            else if (IsClosed(stage.inlet))
            {
                if (inFlight.Count == 0 && !uncommitted)
                    CompleteStage();
            }
            else if (!HasBeenPulled(stage.inlet) && inFlight.Count < stage.producerSettings.Parallelism)
            {
                commitWanted = false;
                Pull(stage.inlet);
            }
        }

        private void StartCommit()
        {
            phase = Phase.Committing;
            commitWanted = false;
            var committingOffsets = offsets;
            uncommittedSends = false;
            offsets = new Dictionary<TransactionalSourceState, Dictionary<TopicPartition, long>>();
            Watch(producer!.CommitAsync(committingOffsets));
        }

        private void Watch(Task transactionStep)
        {
            var ready = transactionReady!;
            var failed = transactionFailed!;
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
