using System.Runtime.InteropServices;

namespace Tributary.Cli;

/// <summary>
/// A token cancelled by Ctrl-C (SIGINT), SIGTERM or SIGQUIT. The signal's default action (ending the process
/// at once) is suppressed, so the command can shut down cleanly and exit with its own code.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT }
            .Select(signal => PosixSignalRegistration.Create(signal, OnSignal))
            .ToArray();
    }

    /// <summary>Cancelled when a stop signal arrives.</summary>
    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }
}
