using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>Base of the core handlers: fixes the request type so each handler works with its own message class.</summary>
internal abstract class ApiHandler<TRequest> : IApiHandler where TRequest : IKafkaRequest
{
    /// <inheritdoc />
    public abstract ApiKey ApiKey { get; }

    /// <inheritdoc />
    public abstract short MinVersion { get; }

    /// <inheritdoc />
    public abstract short MaxVersion { get; }

    /// <inheritdoc />
    public virtual int ResponseSizeHint(IKafkaResponse response, int referenceThreshold) => 0;

    /// <inheritdoc />
    public ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, IKafkaRequest request, CancellationToken cancellationToken) =>
        HandleAsync(context, (TRequest)request, cancellationToken);

    /// <summary>Handles the typed request.</summary>
    protected abstract ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken);
}
