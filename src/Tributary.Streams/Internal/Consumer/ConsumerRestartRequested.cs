namespace Tributary.Streams.Internal;

/// <summary>
/// Carries a failure the stage's decider answered with Restart from the poll thread to the stage, which then
/// recreates its consumer instead of failing. Never reaches users: a stage that cannot restart fails with
/// <see cref="Exception.InnerException"/>.
/// </summary>
internal sealed class ConsumerRestartRequested(Exception cause) : Exception("Restart requested by the supervision decider", cause)
{
    /// <summary>The failure to fail with when a restart is not possible.</summary>
    public Exception Cause => InnerException!;
}
