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
    private readonly CommitterSettings _settings = settings;
    private readonly Inlet<ICommittable> _inlet = new("CommitCollector.in");
    private readonly Outlet<CommittableOffsetBatch> _outlet = new("CommitCollector.out");

    public override FlowShape<ICommittable, CommittableOffsetBatch> Shape => new(_inlet, _outlet);

    protected override Attributes InitialAttributes { get; } = Attributes.CreateName("CommitCollector");

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : TimerGraphStageLogic
    {
        private const string IntervalTimer = "commit-interval";
        private readonly CommitCollectorStage _stage;
        private readonly OffsetCollector _collector;
        private bool _intervalElapsed;

        public Logic(CommitCollectorStage stage) : base(stage.Shape)
        {
            _stage = stage;
            _collector = new OffsetCollector(stage._settings.When);
            SetHandler(stage._inlet, onPush: OnPush, onUpstreamFinish: OnUpstreamFinish);
            SetHandler(stage._outlet, onPull: OnPull);
        }

        private int MaxBatch => _stage._settings.MaxBatch;

        public override void PreStart() => Pull(_stage._inlet);

        private void OnPush()
        {
            var wasEmpty = _collector.IsEmpty;
            _collector.Add(Grab(_stage._inlet));
            if (wasEmpty)
                ScheduleOnce(IntervalTimer, _stage._settings.MaxInterval);
            if (_collector.Ready >= MaxBatch || _intervalElapsed)
                TryEmit();
            if (_collector.Ready < MaxBatch && !HasBeenPulled(_stage._inlet))
                Pull(_stage._inlet);
        }

        private void OnPull()
        {
            if (_collector.Ready >= MaxBatch || _intervalElapsed)
                TryEmit();
            if (!HasBeenPulled(_stage._inlet) && !IsClosed(_stage._inlet) && _collector.Ready < MaxBatch)
                Pull(_stage._inlet);
        }

        protected override void OnTimer(object timerKey)
        {
            _intervalElapsed = true;
            TryEmit();
        }

        private void TryEmit()
        {
            if (!IsAvailable(_stage._outlet) || !_collector.HasBatch)
                return;
            Push(_stage._outlet, _collector.TakeBatch());
            _intervalElapsed = false;
            CancelTimer(IntervalTimer);
            if (!_collector.IsEmpty)
                ScheduleOnce(IntervalTimer, _stage._settings.MaxInterval);
            if (!HasBeenPulled(_stage._inlet) && !IsClosed(_stage._inlet))
                Pull(_stage._inlet);
        }

        private void OnUpstreamFinish()
        {
            if (_collector.IsEmpty)
                CompleteStage();
            else
                Emit(_stage._outlet, _collector.TakeAll(), CompleteStage);
        }
    }
}
