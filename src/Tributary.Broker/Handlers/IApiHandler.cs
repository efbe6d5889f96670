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

    /// <summary>
    /// Roughly how many bytes <paramref name="response"/> encodes into its buffer, so the encoder reserves that much at
    /// once and a large response is not copied again each time its buffer grows; record sets of at least
    /// <paramref name="referenceThreshold"/> bytes (when above 0) are referenced, not copied, and take no room. 0 when
    /// small or unknown.
    /// </summary>
    int ResponseSizeHint(IKafkaResponse response, int referenceThreshold);

    /// <summary>Returns the response, or null when none is sent (Produce with acks=0).</summary>
    ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, IKafkaRequest request, CancellationToken cancellationToken);
}
