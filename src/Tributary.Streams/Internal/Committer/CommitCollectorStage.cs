using Akka.Streams;
using Akka.Streams.Stage;

namespace Tributary.Streams.Internal;

/// <summary>
/// Folds committables into batches and emits a batch when it reaches <see cref="CommitterSettings.MaxBatch"/> or
/// its first offset has waited <see cref="CommitterSettings.MaxInterval"/>, and at upstream completion. While
/// downstream is busy committing it keeps taking offsets until the batch is full, then backpressures.
/// </summary>
internal sealed class CommitCollectorStage(CommitterSettings settings) : GraphStage<FlowShape<ICommittable, CommittableOffsetBatch>>
{
    private readonly CommitterSettings settings = settings;
    private readonly Inlet<ICommittable> inlet = new("CommitCollector.in");
    private readonly Outlet<CommittableOffsetBatch> outlet = new("CommitCollector.out");

    public override FlowShape<ICommittable, CommittableOffsetBatch> Shape => new(inlet, outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("CommitCollector");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic
    {
        private const string IntervalTimer = "commit-interval";
        private readonly CommitCollectorStage stage;
        private readonly OffsetCollector collector;
        private bool intervalElapsed;

        public Logic(CommitCollectorStage stage) : base(stage.Shape)
        {
            this.stage = stage;
            collector = new OffsetCollector(stage.settings.When);
            SetHandler(stage.inlet, onPush: OnPush, onUpstreamFinish: OnUpstreamFinish);
            SetHandler(stage.outlet, onPull: OnPull);
        }

        private int MaxBatch => stage.settings.MaxBatch;

        public override void PreStart() => Pull(stage.inlet);

        private void OnPush()
        {
            var wasEmpty = collector.IsEmpty;
            collector.Add(Grab(stage.inlet));
            if (wasEmpty)
                ScheduleOnce(IntervalTimer, stage.settings.MaxInterval);
            if (collector.Ready >= MaxBatch || intervalElapsed)
                TryEmit();
            if (collector.Ready < MaxBatch && !HasBeenPulled(stage.inlet))
                Pull(stage.inlet);
        }

        private void OnPull()
        {
            if (collector.Ready >= MaxBatch || intervalElapsed)
                TryEmit();
            if (!HasBeenPulled(stage.inlet) && !IsClosed(stage.inlet) && collector.Ready < MaxBatch)
                Pull(stage.inlet);
        }

        protected override void OnTimer(object timerKey)
        {
            intervalElapsed = true;
            TryEmit();
        }

        private void TryEmit()
        {
            if (!IsAvailable(stage.outlet) || !collector.HasBatch)
                return;
            Push(stage.outlet, collector.TakeBatch());
            intervalElapsed = false;
            CancelTimer(IntervalTimer);
            if (!collector.IsEmpty)
                ScheduleOnce(IntervalTimer, stage.settings.MaxInterval);
            if (!HasBeenPulled(stage.inlet) && !IsClosed(stage.inlet))
                Pull(stage.inlet);
        }

        private void OnUpstreamFinish()
        {
            if (collector.IsEmpty)
                CompleteStage();
            else
                Emit(stage.outlet, collector.TakeAll(), CompleteStage);
        }
    }
}
