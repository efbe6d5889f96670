namespace Tributary.Broker.Tests;

/// <summary>Waits for a condition that background work (replication, timers) makes true, failing after a generous deadline.</summary>
internal static class Eventually
{
    /// <summary>Generous: the CI machine is shared and slow.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Completes once <paramref name="condition"/> holds; fails the test after <see cref="Patience"/>.</summary>
    public static async Task TrueAsync(Func<bool> condition, string? what = null)
    {
        using var deadline = new CancellationTokenSource(Patience);
        while (!condition())
        {
            if (deadline.IsCancellationRequested) Assert.Fail($"Timed out waiting until {what ?? "the condition held"}.");
            await Task.Delay(10);
        }
    }
}
