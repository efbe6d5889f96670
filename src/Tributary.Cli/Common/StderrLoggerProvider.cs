using System.Text;
using Microsoft.Extensions.Logging;

namespace Tributary.Cli.Common;

/// <summary>
/// Log lines on stderr, written by the thread that logs: <c>info: Category[EventId] message</c>, one line per entry,
/// line breaks of the message and of an exception turned into spaces (the layout of Microsoft.Extensions.Logging.Console's
/// simple formatter with <c>SingleLine</c>). The level is coloured when stderr is a terminal and <c>NO_COLOR</c> is not set.
/// </summary>
/// <remarks>
/// Used instead of the console logger package because that one starts a thread of its own to drain a queue, and builds a
/// dependency-injection container with configuration binding and JSON to set itself up: one more idle thread and about a
/// dozen more assemblies in every <c>tributary broker</c>, for a command that logs a few lines when idle
/// (docs/benchmarks.md, "Idle footprint and startup, thread by thread"). A line is one write to stderr, whole, so lines
/// of several threads never mix; a logging thread waits for a slow reader of stderr, as it did once the console
/// logger's queue was full.
/// </remarks>
internal sealed class StderrLoggerProvider(TextWriter output, bool colors) : ILoggerProvider
{
    /// <summary>Logs to <see cref="Console.Error"/>, coloured when it is a terminal and <c>NO_COLOR</c> is not set.</summary>
    public StderrLoggerProvider()
        : this(Console.Error, !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")))
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, output, colors);

    public void Dispose()
    {
        // Nothing buffered: every line is written when logged.
    }

    /// <summary>The line of one entry, ending with a line break.</summary>
    internal static string Format(LogLevel level, string category, EventId eventId, string message, Exception? exception, bool colors)
    {
        var line = new StringBuilder(category.Length + message.Length + 32);
        var (name, color) = level switch
        {
            LogLevel.Trace => ("trce", "\e[37m"),
            LogLevel.Debug => ("dbug", "\e[37m"),
            LogLevel.Information => ("info", "\e[32m"),
            LogLevel.Warning => ("warn", "\e[1m\e[33m"),
            LogLevel.Error => ("fail", "\e[30m\e[41m"),
            _ => ("crit", "\e[1m\e[37m\e[41m"),
        };
        if (colors) line.Append(color).Append(name).Append("\e[0m");
        else line.Append(name);
        line.Append(": ").Append(category).Append('[').Append(eventId.Id).Append(']');
        AppendOnOneLine(line, message);
        if (exception is not null) AppendOnOneLine(line, exception.ToString());
        return line.Append('\n').ToString();
    }

    private static void AppendOnOneLine(StringBuilder line, string text)
    {
        if (text.Length == 0) return;
        line.Append(' ');
        var start = line.Length;
        line.Append(text).Replace("\r\n", " ", start, line.Length - start).Replace('\n', ' ', start, line.Length - start);
    }

    private sealed class Logger(string category, TextWriter output, bool colors) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // The factory filters by the level asked for; this logger writes whatever reaches it.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (string.IsNullOrEmpty(message) && exception is null) return;
            output.Write(Format(logLevel, category, eventId, message ?? "", exception, colors));
        }
    }
}
