namespace Tributary.Testing;

/// <summary>Names unique within the process and across runs against a long-lived cluster.</summary>
internal static class UniqueNames
{
    private static int _counter;

    public static string Next(string prefix) => $"{prefix}-{Interlocked.Increment(ref _counter)}-{Guid.NewGuid().ToString("N")[..8]}";
}
