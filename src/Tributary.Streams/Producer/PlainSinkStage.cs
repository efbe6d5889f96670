using Akka;
using Akka.Streams;
using Akka.Streams.Stage;
using Confluent.Kafka;

namespace Tributary.Streams;

/// <summary>
/// The stage behind <see cref="KafkaProducer.PlainSink{TKey,TValue}"/>: it only has to know that every record was
/// acknowledged, not which result belongs to which record, so it counts outstanding records instead of keeping
/// one in-order delivery per record as <see cref="ProducerStage{TKey,TValue,TPassThrough}"/> does. Every record
/// shares one delivery handler; the stage is woken only when it waits for room below
/// <see cref="ProducerSettings{TKey,TValue}.Parallelism"/> or for the last acknowledgement, or on a failure.
/// </summary>
internal sealed class PlainSinkStage<TKey, TValue>(ProducerSettings<TKey, TValue> settings)
    : GraphStageWithMaterializedValue<SinkShape<ProducerRecord<TKey, TValue>>, Task<Done>>
{
    private readonly ProducerSettings<TKey, TValue> settings = settings;
    private readonly Inlet<ProducerRecord<TKey, TValue>> inlet = new("KafkaProducer.PlainSink.in");

    public override SinkShape<ProducerRecord<TKey, TValue>> Shape => new(inlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("KafkaPlainSink");

    public override ILogicAndMaterializedValue<Task<Done>> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var completion = new TaskCompletionSource<Done>(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task<Done>>(new Logic(this, completion), completion.Task);
    }

    private sealed class Logic : GraphStageLogic
    {
        // No wake-up wanted: the delivery thread only counts.
        private const int NotWaiting = -1;

        private readonly PlainSinkStage<TKey, TValue> stage;
        private readonly TaskCompletionSource<Done> completion;
        private readonly Action<DeliveryReport<TKey, TValue>> onDelivered;
        private IProducer<TKey, TValue>? producer;
        private Action wakeStage = null!;
        private int outstanding;
        // The outstanding count at which the delivery thread wakes the stage, or NotWaiting.
        private int wakeAt = NotWaiting;
        private Exception? firstFailure;
        private bool allAcknowledged;

        public Logic(PlainSinkStage<TKey, TValue> stage, TaskCompletionSource<Done> completion) : base(stage.Shape)
        {
            this.stage = stage;
            this.completion = completion;
            onDelivered = OnDelivered;
            SetHandler(stage.inlet, onPush: OnPush, onUpstreamFinish: Continue, onUpstreamFailure: Fail);
        }

        private ProducerSettings<TKey, TValue> Settings => stage.settings;

        public override void PreStart()
        {
            producer = Settings.Producer ?? Settings.CreateProducer();
            wakeStage = GetAsyncCallback(Continue);
            // A sink's only port closes when upstream finishes; the stage must live on until the last acknowledgement.
            SetKeepGoing(true);
            Pull(stage.inlet);
        }

        public override void PostStop()
        {
            if (producer is not null && Settings.Producer is null)
            {
                producer.Flush(Settings.CloseTimeout);
                producer.Dispose();
            }
            // Completing only now means "done" also covers the flush above; a failure was recorded before.
            if (Volatile.Read(ref firstFailure) is { } failure)
                completion.TrySetException(failure);
            else if (allAcknowledged)
                completion.TrySetResult(Done.Instance);
            else
                completion.TrySetException(new AbruptStageTerminationException(this));
        }

        private void OnPush()
        {
            var record = Grab(stage.inlet);
            Interlocked.Increment(ref outstanding);
            try
            {
                producer!.Produce(record, onDelivered);
            }
            catch (Exception refused)
            {
                Interlocked.Decrement(ref outstanding);
                Fail(refused);
                return;
            }
            Continue();
        }

        private void Fail(Exception failure)
        {
            Interlocked.CompareExchange(ref firstFailure, failure, null);
            FailStage(failure);
        }

        /// <summary>Pulls while there is room, completes when the last record is acknowledged, else arranges a wake-up.</summary>
        private void Continue()
        {
            if (Volatile.Read(ref firstFailure) is { } failure)
            {
                FailStage(failure);
                return;
            }
            var finishing = IsClosed(stage.inlet);
            // Resume at half the limit, so a full stage is woken once per half of its window, not once per record.
            var target = finishing ? 0 : Settings.Parallelism / 2;
            if (finishing ? Volatile.Read(ref outstanding) == 0 : Volatile.Read(ref outstanding) < Settings.Parallelism)
            {
                if (finishing)
                {
                    allAcknowledged = true;
                    CompleteStage();
                }
                else if (!HasBeenPulled(stage.inlet))
                    Pull(stage.inlet);
                return;
            }
            Volatile.Write(ref wakeAt, target);
            // A delivery may have brought the count to the target before it could see the wake-up wanted.
            if (Volatile.Read(ref outstanding) <= target && Interlocked.CompareExchange(ref wakeAt, NotWaiting, target) == target)
                Continue();
        }

        // On librdkafka's delivery thread.
        private void OnDelivered(DeliveryReport<TKey, TValue> report)
        {
            if (report.Error.IsError && Interlocked.CompareExchange(ref firstFailure, new ProduceException<TKey, TValue>(report.Error, report), null) is null)
            {
                Volatile.Write(ref wakeAt, NotWaiting);
                wakeStage();
            }
            var left = Interlocked.Decrement(ref outstanding);
            var target = Volatile.Read(ref wakeAt);
            if (left <= target && Interlocked.CompareExchange(ref wakeAt, NotWaiting, target) == target)
                wakeStage();
        }
    }
}
