using Akka.Streams;
using Akka.Streams.Stage;
using Akka.Streams.Supervision;
using Microsoft.Extensions.Logging;
using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// Produces envelopes with up to <see cref="ProducerSettings{TKey,TValue}.Parallelism"/> in flight and emits their
/// results in input order (see <see cref="OrderedDeliveries{TKey,TValue,TPassThrough}"/>). Owns (creates, flushes, disposes) its
/// producer unless the settings supply a shared one. An envelope whose records the serializer or the producer refused,
/// or whose delivery failed, goes through the stream's supervision decider (<see cref="Supervision.DefaultProducerDecider{TKey,TValue}"/>
/// without one): Resume and Restart drop it without a result, Stop fails the stage.
/// </summary>
internal sealed class ProducerStage<TKey, TValue, TPassThrough>(ProducerSettings<TKey, TValue> settings)
    : GraphStage<FlowShape<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>>>
{
    private readonly ProducerSettings<TKey, TValue> _settings = settings;
    private readonly Inlet<IEnvelope<TKey, TValue, TPassThrough>> _inlet = new("KafkaProducer.in");
    private readonly Outlet<IResults<TKey, TValue, TPassThrough>> _outlet = new("KafkaProducer.out");

    public override FlowShape<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>> Shape => new(_inlet, _outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("KafkaProducer");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, inheritedAttributes.ProducerDecider<TKey, TValue>());

    private sealed class Logic : GraphStageLogic
    {
        private readonly ProducerStage<TKey, TValue, TPassThrough> _stage;
        private readonly Decider _decider;
        private OrderedDeliveries<TKey, TValue, TPassThrough> _inFlight = null!;
        private IProducer<TKey, TValue>? _producer;
        private bool _restoreHeaders;

        public Logic(ProducerStage<TKey, TValue, TPassThrough> stage, Decider decider) : base(stage.Shape)
        {
            _stage = stage;
            _decider = decider;
            SetHandler(stage._inlet, onPush: OnPush, onUpstreamFinish: Drain);
            SetHandler(stage._outlet, onPull: Drain);
        }

        private ProducerSettings<TKey, TValue> Settings => _stage._settings;

        public override void PreStart()
        {
            _producer = Settings.SharedOrNewStageProducer(out _restoreHeaders);
            _inFlight = new(GetAsyncCallback(() =>
            {
                _inFlight.Woken();
                Drain();
            }));
            Pull(_stage._inlet);
        }

        public override void PostStop()
        {
            if (_producer is not null)
                Settings.CloseIfOwned(_producer);
        }

        private void OnPush()
        {
            _inFlight.Add(EnvelopeDelivery<TKey, TValue, TPassThrough>.Send(_producer!, Grab(_stage._inlet), _restoreHeaders));
            Drain();
        }

        private void Drain()
        {
            while (IsAvailable(_stage._outlet) && _inFlight.TryTakeCompleted(out var head))
            {
                if (head.Error is not { } error)
                {
                    Push(_stage._outlet, head.Result);
                }
                else if (_decider(error) == Directive.Stop)
                {
                    FailStage(error);
                    return;
                }
                else
                {
                    // Resume or Restart: the envelope is dropped, no result is emitted for it.
                    Settings.Logger.LogWarning(error, "Dropped an envelope whose records could not be produced [Resume]");
                }
            }
            if (IsAvailable(_stage._outlet))
                _inFlight.WakeWhenOldestCompletes();
            if (IsClosed(_stage._inlet))
            {
                if (_inFlight.Count == 0)
                    CompleteStage();
            }
            else if (!HasBeenPulled(_stage._inlet) && _inFlight.Count < Settings.Parallelism)
            {
                Pull(_stage._inlet);
            }
        }
    }
}
