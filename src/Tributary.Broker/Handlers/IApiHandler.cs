using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>Serves one API: decoding is done by the dispatcher, so a handler maps a request to a response.</summary>
internal interface IApiHandler
{
    /// <summary>The API served.</summary>
    ApiKey ApiKey { get; }

    /// <summary>The oldest version served (advertised in ApiVersions).</summary>
    short MinVersion { get; }

    /// <summary>The newest version served (advertised in ApiVersions).</summary>
    short MaxVersion { get; }

    /// <summary>Returns the response, or null when none is sent (Produce with acks=0).</summary>
    ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, IKafkaRequest request, CancellationToken cancellationToken);
}
