using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>Base of the group handlers: versions from 0 up to what the handler implements, and a typed request.</summary>
/// <typeparam name="TRequest">The request message served.</typeparam>
internal abstract class GroupApiHandler<TRequest>(ApiKey apiKey, short maxVersion) : IApiHandler
    where TRequest : class, IKafkaRequest
{
    /// <inheritdoc />
    public ApiKey ApiKey => apiKey;

    /// <inheritdoc />
    public short MinVersion => 0;

    /// <inheritdoc />
    public short MaxVersion => maxVersion;

    /// <inheritdoc />
    public async ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, IKafkaRequest request, CancellationToken cancellationToken) =>
        await HandleAsync(context, (TRequest)request, cancellationToken).ConfigureAwait(false);

    /// <summary>Maps the request to the coordinator and its answer to the response of the request's version.</summary>
    protected abstract ValueTask<IKafkaResponse> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken);
}
