using Akka.Streams;
using Akka.Streams.Stage;
using Confluent.Kafka;

namespace Tributary.Streams;

/// <summary>
/// Lifecycle shared by all Kafka source stages: starts the consumer (or attaches to a shared one), serves
/// <see cref="IControl"/> requests, and keeps the stage alive after its outlet completes until the consumer is
/// closed, so commits of records still in the stream can land.
/// </summary>
internal abstract class KafkaSourceLogic<TKey, TValue, TOut> : TimerGraphStageLogic
{
    private const string CloseTimerKey = "close-consumer";
    private readonly ConsumerSettings<TKey, TValue> settings;
    private readonly SharedKafkaConsumer<TKey, TValue>? shared;
    private readonly SourceControl control;
    private ConsumerDriver<TKey, TValue>? driver;
    private bool closing;

    protected KafkaSourceLogic(SourceShape<TOut> shape, ConsumerSettings<TKey, TValue> settings, SharedKafkaConsumer<TKey, TValue>? shared, SourceControl control)
        : base(shape)
    {
        Out = shape.Outlet;
        this.settings = settings;
        this.shared = shared;
        this.control = control;
        SetHandler(Out, onPull: OnPull, onDownstreamFinish: _ => PerformShutdown());
    }

    protected Outlet<TOut> Out { get; }

    protected ConsumerSettings<TKey, TValue> Settings => settings;

    protected ConsumerDriver<TKey, TValue> Driver => driver ?? throw new InvalidOperationException("The stage has not started.");

    /// <summary>The owner through which the consumer hands partitions to this stage.</summary>
    protected abstract PartitionOwner<TKey, TValue> Owner { get; }

    public override void PreStart()
    {
        SetKeepGoing(true);
        driver = shared?.Driver ?? CreateDriver();
        CreateOwner(GetAsyncCallback<Exception>(FailStage), GetAsyncCallback(CompleteStage));
        control.Bind(GetAsyncCallback(PerformStop), GetAsyncCallback(PerformShutdown), driver.GetMetricsAsync);
        Register(driver);
        if (shared is null)
            driver.Start();
    }

    private ConsumerDriver<TKey, TValue> CreateDriver()
    {
        try
        {
            return new ConsumerDriver<TKey, TValue>(settings);
        }
        catch (Exception error) when (error is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw new KafkaConsumerFailedException($"Could not create the Kafka consumer: {error.Message}", error);
        }
    }

    public override void PostStop()
    {
        if (driver is null)
        {
            control.MarkShutdown();
            return;
        }
        if (shared is null)
        {
            driver.CloseAsync().ContinueWith(_ => control.MarkShutdown(), TaskScheduler.Default);
        }
        else
        {
            driver.Detach(Owner);
            control.MarkShutdown();
        }
    }

    /// <summary>Creates the stage's partition owner; <paramref name="fail"/> and <paramref name="closed"/> are thread-safe.</summary>
    protected abstract void CreateOwner(Action<Exception> fail, Action closed);

    /// <summary>Subscribes or attaches the owner to the consumer.</summary>
    protected abstract void Register(ConsumerDriver<TKey, TValue> consumer);

    protected abstract void OnPull();

    /// <summary>Called once when the outlet completes by <see cref="IControl.Stop"/> or shutdown.</summary>
    protected virtual void OnStopped() { }

    protected override void OnTimer(object timerKey) => CloseConsumer();

    private void PerformStop()
    {
        if (!IsClosed(Out))
        {
            Complete(Out);
            OnStopped();
        }
        control.MarkStopped();
    }

    private void PerformShutdown()
    {
        PerformStop();
        if (closing)
            return;
        closing = true;
        if (shared is null && settings.StopTimeout > TimeSpan.Zero)
            ScheduleOnce(CloseTimerKey, settings.StopTimeout);
        else
            CloseConsumer();
    }

    private void CloseConsumer()
    {
        if (shared is null)
        {
            // The consumer's Closed callback completes the stage once librdkafka has left the group.
            Driver.CloseAsync();
        }
        else
        {
            CompleteStage();
        }
    }
}
