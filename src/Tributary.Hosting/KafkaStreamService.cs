using Akka.Actor;
using Akka.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tributary.Streams.Helpers;

namespace Tributary.Hosting;

/// <summary>
/// Runs one Kafka stream for the host's lifetime: materializes it when the host starts, and when the host stops
/// drains it (<see cref="DrainingControl{T}.DrainAndShutdown"/>: the source stops, records in flight are finished
/// and their offsets committed, the consumer closes) within the host's shutdown timeout.
/// </summary>
/// <remarks>
/// Akka.Hosting's integration (Tributary.Akka.Hosting) runs the same service from the actor system's start-up and
/// its CoordinatedShutdown, giving it the system that is starting as <paramref name="system"/>.
/// </remarks>
internal sealed partial class KafkaStreamService<TResult>(KafkaStreamState state, Func<KafkaStreamContext, DrainingControl<TResult>> run, IServiceProvider services,
    ActorSystem? system = null)
    : IHostedService
{
    private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Tributary.Hosting.KafkaStream");
    private DrainingControl<TResult>? _control;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var actorSystem = system ?? services.GetRequiredService<ActorSystem>();
        var context = new KafkaStreamContext(state.Name, services, services.GetRequiredService<IConfiguration>(), actorSystem, actorSystem.Materializer(), _logger);
        _control = run(context);
        state.Started(_control);
        LogStarted(_logger, state.Name);
        _control.StreamCompletion.ContinueWith(completion =>
        {
            var failure = completion.Exception?.GetBaseException();
            state.Ended(failure);
            if (failure is not null)
                LogFailed(_logger, failure, state.Name);
            else if (state.Current == KafkaStreamState.Phase.Completed)
                LogCompletedOnItsOwn(_logger, state.Name);
        }, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_control is null || state.Current is not KafkaStreamState.Phase.Running)
            return;
        state.Stopping();
        LogDraining(_logger, state.Name);
        try
        {
            await _control.DrainAndShutdown().WaitAsync(cancellationToken).ConfigureAwait(false);
            LogDrained(_logger, state.Name);
        }
        catch (OperationCanceledException)
        {
            LogDrainCut(_logger, state.Name);
        }
        catch (Exception failure)
        {
            // Already logged as the stream's failure; the host goes on stopping.
            LogFailed(_logger, failure, state.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka stream {Stream} started")]
    private static partial void LogStarted(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka stream {Stream} draining: finishing the records in flight and committing their offsets")]
    private static partial void LogDraining(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kafka stream {Stream} drained and its consumer closed")]
    private static partial void LogDrained(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka stream {Stream} was still draining when the host's shutdown timeout ended")]
    private static partial void LogDrainCut(ILogger logger, string stream);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka stream {Stream} failed")]
    private static partial void LogFailed(ILogger logger, Exception failure, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka stream {Stream} completed on its own while the host runs")]
    private static partial void LogCompletedOnItsOwn(ILogger logger, string stream);
}
