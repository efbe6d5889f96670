using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>
/// One running consume-transform-produce pipeline (Transactional.Source -> upper-case -> Transactional.Sink) that a
/// test can kill abruptly (a kill switch fails the stream: nothing is drained) or drain and shut down.
/// </summary>
internal sealed class PipelineInstance
{
    private readonly UniqueKillSwitch _killSwitch;

    private PipelineInstance(UniqueKillSwitch killSwitch, DrainingControl<Done> control)
    {
        _killSwitch = killSwitch;
        Control = control;
    }

    public DrainingControl<Done> Control { get; }

    /// <summary>Starts a pipeline; <paramref name="perSecond"/> throttles it so kills land mid-stream.</summary>
    public static PipelineInstance Start(IMaterializer materializer, ConsumerSettings<string, string> consumerSettings, ProducerSettings<string, string> producerSettings,
        TransactionalSettings transactionalSettings, string input, string output, int perSecond)
    {
        var ((control, killSwitch), completion) = Transactional.Source(consumerSettings, Subscriptions.Topics(input))
            .ViaMaterialized(KillSwitches.Single<TransactionalMessage<string, string>>(), Keep.Both)
            .Throttle(Math.Max(1, perSecond / 20), TimeSpan.FromMilliseconds(50), Math.Max(1, perSecond / 20), ThrottleMode.Shaping)
            .Select(m => ProducerMessage.Single(new ProducerRecord<string, string>(output, m.Record.Message.Key, m.Record.Message.Value.ToUpperInvariant()), m.PartitionOffset))
            .ToMaterialized(Transactional.Sink(producerSettings, transactionalSettings), Keep.Both)
            .Run(materializer);
        return new PipelineInstance(killSwitch, DrainingControl<Done>.Create(control, completion));
    }

    /// <summary>Fails the stream at once, as a crash would: the open transaction is aborted, nothing drained.</summary>
    public async Task KillAsync()
    {
        _killSwitch.Abort(new Exception("killed by the test"));
        await Task.WhenAny(Control.StreamCompletion, Task.Delay(TimeSpan.FromSeconds(30)));
        await Control.IsShutdown.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
