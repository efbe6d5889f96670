using System.Collections.Concurrent;

namespace Tributary.Cli.Clients;

/// <summary>
/// Lines of a reader that a cancellation can interrupt. Reading stdin blocks inside the runtime until a line or the
/// end of input arrives, and no token reaches it, so on a terminal Ctrl-C would wait for the next Enter. A background
/// thread reads ahead instead (a bounded number of lines), and <see cref="Next"/> waits for it or for the token.
/// </summary>
internal sealed class InterruptibleLineReader
{
    private readonly BlockingCollection<string> _lines = new(boundedCapacity: 10_000);
    private IOException? _failure;

    public InterruptibleLineReader(TextReader input) =>
        // A thread rather than a pool task: it may block for as long as the user types nothing. It ends with the process.
        new Thread(() => ReadAll(input)) { IsBackground = true, Name = "stdin" }.Start();

    /// <summary>The next line; null at the end of input or once <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <exception cref="IOException">Reading the input failed.</exception>
    public string? Next(CancellationToken cancellationToken)
    {
        try
        {
            if (_lines.TryTake(out var line, Timeout.Infinite, cancellationToken))
                return line;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        return _failure is null ? null : throw new IOException($"reading input failed: {_failure.Message}", _failure);
    }

    private void ReadAll(TextReader input)
    {
        try
        {
            while (input.ReadLine() is { } line)
                _lines.Add(line);
        }
        catch (IOException e)
        {
            _failure = e;
        }
        catch (ObjectDisposedException)
        {
            // The command finished (after Ctrl-C) and closed its input file while this thread still read ahead.
        }
        _lines.CompleteAdding();
    }
}
