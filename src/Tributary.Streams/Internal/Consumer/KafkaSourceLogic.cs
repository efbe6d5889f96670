using Akka.Streams;
using Akka.Streams.Supervision;
using Akka.Streams.Stage;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Tributary.Streams.Internal;

/// <summary>
/// Lifecycle shared by all Kafka source stages: starts the consumer (or attaches to a shared one), serves
/// <see cref="IControl"/> requests, and keeps the stage alive after its outlet completes until the consumer is
/// closed, so commits of records still in the stream can land.
/// </summary>
internal abstract class KafkaSourceLogic<TKey, TValue, TOut> : TimerGraphStageLogic
{
    private const string CloseTimerKey = "close-consumer";
    private readonly ConsumerSettings<TKey, TValue> _settings;
    private readonly SharedKafkaConsumer<TKey, TValue>? _shared;
    private readonly ISubscription _subscription;
    private readonly SourceControl _control;
    private ConsumerDriver<TKey, TValue>? _driver;
    private Action<(int Generation, Exception Error)> _consumerFailed = null!;
    private Action<int> _consumerClosed = null!;
    // Counts consumers (one more per restart), so late callbacks of a replaced consumer are ignored.
    private int _generation;
    private bool _closing;

    protected KafkaSourceLogic(SourceShape<TOut> shape, ConsumerSettings<TKey, TValue> settings, ISubscription subscription,
        SharedKafkaConsumer<TKey, TValue>? shared, SourceControl control, Attributes inheritedAttributes)
        : base(shape)
    {
        Out = shape.Outlet;
        _settings = settings;
        _subscription = subscription;
        _shared = shared;
        _control = control;
        Decider = inheritedAttributes.ChosenDecider() ?? shared?.Decider ?? settings.Decide;
        SetHandler(Out, onPull: OnPull, onDownstreamFinish: _ => PerformShutdown());
    }

    /// <summary>
    /// The stream's supervision decider (<c>ActorAttributes.CreateSupervisionStrategy</c>); without one, the shared
    /// consumer's, else the settings' (<see cref="ConsumerSettings{TKey,TValue}.DeserializationDecider"/> for records
    /// that fail to deserialize, <see cref="Supervision.DefaultConsumerDecider"/> for the rest).
    /// </summary>
    protected Decider Decider { get; }

    protected Outlet<TOut> Out { get; }

    protected ConsumerSettings<TKey, TValue> Settings => _settings;

    protected ConsumerDriver<TKey, TValue> Driver => _driver ?? throw new InvalidOperationException("The stage has not started.");

    /// <summary>The owner through which the consumer hands partitions to this stage.</summary>
    protected abstract PartitionOwner<TKey, TValue> Owner { get; }

    public override void PreStart()
    {
        SetKeepGoing(true);
        _consumerFailed = GetAsyncCallback<(int Generation, Exception Error)>(failure =>
        {
            if (failure.Generation == _generation)
                OnFailure(failure.Error);
        });
        _consumerClosed = GetAsyncCallback<int>(closedGeneration =>
        {
            if (closedGeneration == _generation)
                CompleteStage();
        });
        StartConsumer();
        _control.Bind(GetAsyncCallback(PerformStop), GetAsyncCallback(PerformShutdown), () => Driver.GetMetricsAsync());
    }

    private void StartConsumer()
    {
        _driver = _shared?.Driver ?? CreateDriver();
        var current = ++_generation;
        CreateOwner(Decider, error => _consumerFailed((current, error)), () => _consumerClosed(current));
        Register(_driver);
        if (_shared is null)
            _driver.Start();
    }

    /// <summary>
    /// Stage thread: the consumer or a record failed. A failure the decider answered with Restart replaces the
    /// consumer (the new one reads from the committed offsets, or the subscription's own); any other fails the stage.
    /// </summary>
    protected void OnFailure(Exception error)
    {
        if (error is not ConsumerRestartRequested restart)
        {
            FailStage(error);
            return;
        }
        if (IsClosed(Out))
        {
            FailStage(restart.Cause);
            return;
        }
        _settings.Logger.LogInformation("Restarting the Kafka consumer after {Error}: {Reason} [Restart]", restart.Cause.GetType().Name, restart.Cause.Message);
        OnRestarting();
        if (_shared is null)
            Driver.CloseAsync();
        else
            Driver.Detach(Owner);
        StartConsumer();
    }

    private ConsumerDriver<TKey, TValue> CreateDriver()
    {
        try
        {
            // The stage's own consumer reads only its subscription: one topic's name need not be decoded per record.
            return new ConsumerDriver<TKey, TValue>(_settings, TopicNames.OnlyTopicOf(_subscription));
        }
        catch (Exception error) when (error is ArgumentException or KafkaException or InvalidOperationException)
        {
            throw new KafkaConsumerFailedException($"Could not create the Kafka consumer: {error.Message}", error);
        }
    }

    public override void PostStop()
    {
        if (_driver is null)
        {
            _control.MarkShutdown();
            return;
        }
        if (_shared is null)
        {
            _driver.CloseAsync().ContinueWith(_ => _control.MarkShutdown(), TaskScheduler.Default);
        }
        else
        {
            _driver.Detach(Owner);
            _control.MarkShutdown();
        }
    }

    /// <summary>
    /// Creates the stage's partition owner for a new consumer (at start and after a restart); <paramref name="fail"/>
    /// and <paramref name="closed"/> are thread-safe.
    /// </summary>
    protected abstract void CreateOwner(Decider decider, Action<Exception> fail, Action closed);

    /// <summary>Stage thread: the consumer is being replaced; drop what the old one handed over.</summary>
    protected abstract void OnRestarting();

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
        _control.MarkStopped();
    }

    private void PerformShutdown()
    {
        PerformStop();
        if (_closing)
            return;
        _closing = true;
        if (_shared is null && _settings.StopTimeout > TimeSpan.Zero)
            ScheduleOnce(CloseTimerKey, _settings.StopTimeout);
        else
            CloseConsumer();
    }

    private void CloseConsumer()
    {
        if (_shared is null)
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
