using Microsoft.Extensions.Logging;
using Tributary.Cli.Common;

namespace Tributary.Cli.Tests;

/// <summary>The broker's log lines on stderr: one line per entry, in the console logger's single-line layout.</summary>
public sealed class StderrLoggerTests
{
    [Fact]
    public void An_entry_is_one_line_with_its_level_category_and_event_id()
    {
        var (output, logger) = Logger(LogLevel.Information);

        logger.LogInformation(new EventId(7), "Broker {Broker} started", 1);

        Assert.Equal("info: Tributary.Broker[7] Broker 1 started\n", output.ToString());
    }

    [Fact]
    public void A_message_with_line_breaks_and_its_exception_stay_on_the_entry_s_line()
    {
        var (output, logger) = Logger(LogLevel.Information);
        Exception failure;
        try
        {
            throw new InvalidOperationException("boom");
        }
        catch (InvalidOperationException e)
        {
            failure = e;
        }

        logger.LogError(failure, "first\nsecond\r\nthird");

        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fail: Tributary.Broker[0] first second third System.InvalidOperationException: boom ", line);
        Assert.Contains(nameof(A_message_with_line_breaks_and_its_exception_stay_on_the_entry_s_line), line);
    }

    [Fact]
    public void Entries_below_the_chosen_level_are_not_written()
    {
        var (output, logger) = Logger(LogLevel.Warning);

        logger.LogDebug("a request");
        logger.LogInformation("a broker started");
        logger.LogWarning("a slow client");

        Assert.Equal("warn: Tributary.Broker[0] a slow client\n", output.ToString());
    }

    [Fact]
    public void The_level_is_coloured_only_when_colours_are_on()
    {
        Assert.Equal("\e[32minfo\e[0m: C[0] m\n", StderrLoggerProvider.Format(LogLevel.Information, "C", default, "m", null, colors: true));
        Assert.Equal("crit: C[0] m\n", StderrLoggerProvider.Format(LogLevel.Critical, "C", default, "m", null, colors: false));
    }

    private static (StringWriter Output, ILogger Logger) Logger(LogLevel minimum)
    {
        var output = new StringWriter();
        var factory = new LoggerFactory([new StderrLoggerProvider(output, colors: false)], new LoggerFilterOptions { MinLevel = minimum });
        return (output, factory.CreateLogger("Tributary.Broker"));
    }
}
