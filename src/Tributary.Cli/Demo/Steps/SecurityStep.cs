using System.Diagnostics;
using Akka;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Cli.Demo.Steps;

/// <summary>
/// Security, beyond the exercises that ran as the application over SASL_SSL with its ACLs: a client with a wrong
/// password is refused at login, and a consumer whose principal may read the topic but has no ACL for its group is
/// refused when it joins: its stream fails with an exception that names the group and the ACL it lacks.
/// </summary>
internal sealed class SecurityStep : IDemoStep
{
    private const string Group = "demo-reporting";

    public string Name => "security";

    public string Label => "Security";

    public string Api => "SASL_SSL, ACLs";

    public string Title => "Security: a wrong password and a consumer without its group ACL refused";

    public IReadOnlyList<string> Needs => [];

    public long Work(DemoCluster demo) => 2;

    public async Task<StepOutcome> RunAsync(DemoCluster demo, Action advance, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var loginRefused = await WrongPasswordRefusedAsync(demo, cancellationToken);
        advance();
        var refusal = await GroupRefusalAsync(demo, cancellationToken);
        advance();
        var refused = refusal is KafkaConsumerFailedException { InnerException: KafkaException { Error.Code: ErrorCode.GroupAuthorizationFailed } };
        return new StepOutcome(0, stopwatch.Elapsed,
        [
            new DemoCheck("a wrong password is refused at login (SASL authentication failed)", loginRefused),
            new DemoCheck($"{DemoCluster.ReportingUser}, without READ on group {Group}, is refused: its stream fails with GroupAuthorizationFailed naming the group",
                refused && refusal!.Message.Contains($"'{Group}'", StringComparison.Ordinal)),
        ], [$"Refused as it should be: {refusal?.Message ?? "the consumer was not refused"}"]);
    }

    // A producer connects at once; librdkafka reports the failed login to the error handler (and retries), so one
    // authentication error is enough. Its continuation must not run on librdkafka's thread, which disposing the
    // producer joins.
    private static async Task<bool> WrongPasswordRefusedAsync(DemoCluster demo, CancellationToken cancellationToken)
    {
        var config = demo.ClientConfig();
        config["sasl.password"] = "not-the-password";
        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = new ProducerBuilder<Null, Null>(new ProducerConfig(config))
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, error) =>
            {
                if (error.Code == ErrorCode.Local_Authentication) refused.TrySetResult();
            })
            .Build();
        try
        {
            await refused.Task.WaitAsync(StreamRuns.Patience, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The failure of a committable source and committer run by the reporting user; null if it was not refused in time.</summary>
    private static async Task<Exception?> GroupRefusalAsync(DemoCluster demo, CancellationToken cancellationToken)
    {
        // Its failure is expected and reported in the summary: not logged as an error on the way.
        var settings = demo.ConsumerSettings(Group, DemoCluster.ReportingUser).WithLogger(NullLogger.Instance);
        var control = KafkaConsumer.CommittableSource(settings, Subscriptions.Topics(DemoCluster.GreetingsTopic))
            .Select(message => (ICommittable)message.CommittableOffset)
            .ToMaterialized(Committer.Sink(CommitterSettings.Create(demo.System)), DrainingControl<Done>.Create)
            .Run(demo.Materializer);
        try
        {
            await control.StreamCompletion.WaitAsync(StreamRuns.Patience, cancellationToken);
            return null;
        }
        catch (TimeoutException)
        {
            await control.DrainAndShutdown();
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e;
        }
    }
}
