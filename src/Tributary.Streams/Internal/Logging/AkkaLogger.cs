using Akka.Actor;
using Akka.Event;
using Microsoft.Extensions.Logging;
using AkkaLogLevel = Akka.Event.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Tributary.Streams.Internal;

/// <summary>
/// An <see cref="ILogger"/> writing to the actor system's log, the default logger of settings created from an
/// <see cref="ActorSystem"/>, so connector events show up where the rest of an Akka application logs.
/// </summary>
internal sealed class AkkaLogger(ILoggingAdapter log) : ILogger
{
    public static ILogger For(ActorSystem system, string source) => new AkkaLogger(Logging.GetLogger(system, source));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => ToAkka(logLevel) is { } level && log.IsEnabled(level);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (ToAkka(logLevel) is not { } level || !log.IsEnabled(level))
            return;
        // The message is already formatted; pass it as an argument so braces in it are not read as placeholders.
        log.Log(level, exception, "{0}", formatter(state, exception));
    }

    private static AkkaLogLevel? ToAkka(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => AkkaLogLevel.DebugLevel,
        LogLevel.Information => AkkaLogLevel.InfoLevel,
        LogLevel.Warning => AkkaLogLevel.WarningLevel,
        LogLevel.Error or LogLevel.Critical => AkkaLogLevel.ErrorLevel,
        _ => null,
    };
}
