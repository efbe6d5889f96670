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
    private readonly ProducerSettings<TKey, TValue> settings = settings;
    private readonly Inlet<IEnvelope<TKey, TValue, TPassThrough>> inlet = new("KafkaProducer.in");
    private readonly Outlet<IResults<TKey, TValue, TPassThrough>> outlet = new("KafkaProducer.out");

    public override FlowShape<IEnvelope<TKey, TValue, TPassThrough>, IResults<TKey, TValue, TPassThrough>> Shape => new(inlet, outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("KafkaProducer");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this, inheritedAttributes.ProducerDecider<TKey, TValue>());

    private sealed class Logic : GraphStageLogic
    {
        private readonly ProducerStage<TKey, TValue, TPassThrough> stage;
        private readonly Decider decider;
        private OrderedDeliveries<TKey, TValue, TPassThrough> inFlight = null!;
        private IProducer<TKey, TValue>? producer;

        public Logic(ProducerStage<TKey, TValue, TPassThrough> stage, Decider decider) : base(stage.Shape)
        {
            this.stage = stage;
            this.decider = decider;
            SetHandler(stage.inlet, onPush: OnPush, onUpstreamFinish: Drain);
            SetHandler(stage.outlet, onPull: Drain);
        }

        private ProducerSettings<TKey, TValue> Settings => stage.settings;

        public override void PreStart()
        {
            producer = Settings.SharedOrNewProducer();
            inFlight = new(GetAsyncCallback(() =>
            {
                inFlight.Woken();
                Drain();
            }));
            Pull(stage.inlet);
        }

        public override void PostStop()
        {
            if (producer is not null)
                Settings.CloseIfOwned(producer);
        }

        private void OnPush()
        {
            inFlight.Add(EnvelopeDelivery<TKey, TValue, TPassThrough>.Send(producer!, Grab(stage.inlet)));
            Drain();
        }

        private void Drain()
        {
            while (IsAvailable(stage.outlet) && inFlight.TryTakeCompleted(out var head))
            {
                if (head.Error is not { } error)
                {
                    Push(stage.outlet, head.Result);
                }
                else if (decider(error) == Directive.Stop)
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
            if (IsAvailable(stage.outlet))
                inFlight.WakeWhenOldestCompletes();
            if (IsClosed(stage.inlet))
            {
                if (inFlight.Count == 0)
                    CompleteStage();
            }
            else if (!HasBeenPulled(stage.inlet) && inFlight.Count < Settings.Parallelism)
            {
                Pull(stage.inlet);
            }
        }
    }
}
