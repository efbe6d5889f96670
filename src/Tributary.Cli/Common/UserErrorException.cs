namespace Tributary.Cli.Common;

/// <summary>
/// A mistake the user can fix (unreachable bootstrap, unknown topic, bad option value). Reported as one line on
/// stderr with exit code 1, never with a stack trace.
/// </summary>
internal sealed class UserErrorException(string message) : Exception(message);
