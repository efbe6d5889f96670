using Akka;
using Akka.Streams;
using Akka.Streams.Stage;
using Akka.Streams.Supervision;
using Microsoft.Extensions.Logging;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// The stage behind <see cref="KafkaProducer.PlainSink{TKey,TValue}(ProducerSettings{TKey,TValue})"/>: it only has to know that every record was
/// acknowledged, not which result belongs to which record, so it counts outstanding records instead of keeping
/// one in-order delivery per record as <see cref="ProducerStage{TKey,TValue,TPassThrough}"/> does. Every record
/// shares one delivery handler; the stage is woken only when it waits for room below
/// <see cref="ProducerSettings{TKey,TValue}.Parallelism"/> or for the last acknowledgement, or on a failure.
/// Failures go through the stream's supervision decider (<see cref="Supervision.DefaultProducerDecider{TKey,TValue}"/>
/// without one): Resume and Restart drop the record (a record the serializer or the producer refused, or one whose
/// delivery failed), Stop fails the sink. Delivery failures are decided on librdkafka's delivery thread.
/// </summary>
internal sealed class PlainSinkStage<TKey, TValue>(ProducerSettings<TKey, TValue> settings)
    : GraphStageWithMaterializedValue<SinkShape<ProducerRecord<TKey, TValue>>, Task<Done>>
{
    private readonly ProducerSettings<TKey, TValue> _settings = settings;
    private readonly Inlet<ProducerRecord<TKey, TValue>> _inlet = new("KafkaProducer.PlainSink.in");

    public override SinkShape<ProducerRecord<TKey, TValue>> Shape => new(_inlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("KafkaPlainSink");

    public override ILogicAndMaterializedValue<Task<Done>> CreateLogicAndMaterializedValue(Attributes inheritedAttributes)
    {
        var completion = new TaskCompletionSource<Done>(TaskCreationOptions.RunContinuationsAsynchronously);
        return new LogicAndMaterializedValue<Task<Done>>(new Logic(this, completion, inheritedAttributes.ProducerDecider<TKey, TValue>()), completion.Task);
    }

    private sealed class Logic : GraphStageLogic
    {
        private readonly PlainSinkStage<TKey, TValue> _stage;
        private readonly TaskCompletionSource<Done> _completion;
        private readonly Decider _decider;
        private readonly Action<DeliveryReport<TKey, TValue>> _onDelivered;
        private IProducer<TKey, TValue>? _producer;
        private bool _restoreHeaders;
        private Action _wakeStage = null!;
        private InFlightRecords _inFlight = null!;
        private Exception? _firstFailure;
        private bool _allAcknowledged;

        public Logic(PlainSinkStage<TKey, TValue> stage, TaskCompletionSource<Done> completion, Decider decider) : base(stage.Shape)
        {
            _stage = stage;
            _completion = completion;
            _decider = decider;
            _onDelivered = OnDelivered;
            SetHandler(stage._inlet, onPush: OnPush, onUpstreamFinish: Continue, onUpstreamFailure: Fail);
        }

        private ProducerSettings<TKey, TValue> Settings => _stage._settings;

        public override void PreStart()
        {
            _producer = Settings.SharedOrNewStageProducer(out _restoreHeaders);
            _wakeStage = GetAsyncCallback(Continue);
            _inFlight = new InFlightRecords(_wakeStage);
            // A sink's only port closes when upstream finishes; the stage must live on until the last acknowledgement.
            SetKeepGoing(true);
            Pull(_stage._inlet);
        }

        public override void PostStop()
        {
            if (_producer is not null)
                Settings.CloseIfOwned(_producer);
            // Completing only now means "done" also covers the flush above; a failure was recorded before.
            if (Volatile.Read(ref _firstFailure) is { } failure)
                _completion.TrySetException(failure);
            else if (_allAcknowledged)
                _completion.TrySetResult(Done.Instance);
            else
                _completion.TrySetException(new AbruptStageTerminationException(this));
        }

        private void OnPush()
        {
            var record = Grab(_stage._inlet);
            _inFlight.Sent();
            try
            {
                _producer!.Produce(record, _onDelivered, _restoreHeaders);
            }
            catch (Exception refused)
            {
                _inFlight.Refused();
                if (_decider(refused) == Directive.Stop)
                {
                    Fail(refused);
                    return;
                }
                Settings.Logger.LogWarning(refused, "Dropped a record for {Topic} that the producer refused [Resume]", record.Topic);
            }
            Continue();
        }

        private void Fail(Exception failure)
        {
            Interlocked.CompareExchange(ref _firstFailure, failure, null);
            FailStage(failure);
        }

        /// <summary>Pulls while there is room, completes when the last record is acknowledged, else waits for a wake-up.</summary>
        private void Continue()
        {
            if (Volatile.Read(ref _firstFailure) is { } failure)
            {
                FailStage(failure);
                return;
            }
            if (IsClosed(_stage._inlet))
            {
                if (!_inFlight.WakeAtMost(0))
                {
                    _allAcknowledged = true;
                    CompleteStage();
                }
            }
            // Resume at half the limit, so a full stage is woken once per half of its window, not once per record.
            else if (_inFlight.Below(Settings.Parallelism) || !_inFlight.WakeAtMost(Settings.Parallelism / 2))
            {
                if (!HasBeenPulled(_stage._inlet))
                    Pull(_stage._inlet);
            }
        }

        // On librdkafka's delivery thread.
        private void OnDelivered(DeliveryReport<TKey, TValue> report)
        {
            if (report.Error.IsError)
            {
                // Records with headers had theirs put into the report already (this shared handler has no record).
                if (_restoreHeaders)
                    report.Message.Headers ??= [];
                var failure = new ProduceException<TKey, TValue>(report.Error, report);
                if (_decider(failure) != Directive.Stop)
                    Settings.Logger.LogWarning(failure, "Dropped a record for {Partition} whose delivery failed [Resume]", report.TopicPartition);
                else if (Interlocked.CompareExchange(ref _firstFailure, failure, null) is null)
                    _wakeStage();
            }
            _inFlight.Acknowledged();
        }
    }
}
