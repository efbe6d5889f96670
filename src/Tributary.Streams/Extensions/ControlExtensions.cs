using Tributary.Streams.Helpers;

namespace Tributary.Streams.Extensions;

/// <summary>Helpers for writing an <see cref="IControl"/> of one's own.</summary>
public static class ControlExtensions
{
    /// <summary>
    /// Drains as Tributary's controls do: stops the source, waits for <paramref name="streamCompletion"/>, then shuts
    /// the source down, also when the stream failed (whose failure is then rethrown).
    /// </summary>
    /// <param name="control">The control to drain.</param>
    /// <param name="streamCompletion">Completes when the stream downstream of the source has finished.</param>
    /// <typeparam name="TResult">The stream's result type.</typeparam>
    public static async Task<TResult> DrainAndShutdownDefault<TResult>(this IControl control, Task<TResult> streamCompletion)
    {
        await control.Stop().ConfigureAwait(false);
        try
        {
            return await streamCompletion.ConfigureAwait(false);
        }
        finally
        {
            await control.Shutdown().ConfigureAwait(false);
        }
    }
}
