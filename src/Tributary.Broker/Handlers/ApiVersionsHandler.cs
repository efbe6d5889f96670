using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>ApiVersions: lists the version range of every API this broker serves, itself included.</summary>
internal sealed class ApiVersionsHandler : ApiHandler<ApiVersionsRequest>
{
    public override ApiKey ApiKey => ApiKey.ApiVersions;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IKafkaResponse?>(Describe(context.Handlers.All, ErrorCode.None));

    /// <summary>The response listing <paramref name="handlers"/>, with <paramref name="error"/>.</summary>
    public static ApiVersionsResponse Describe(IEnumerable<IApiHandler> handlers, ErrorCode error) => new()
    {
        ErrorCode = (short)error,
        ApiKeys = handlers
            .OrderBy(h => h.ApiKey)
            .Select(h => new ApiVersionsResponse.ApiVersion { ApiKey = (short)h.ApiKey, MinVersion = h.MinVersion, MaxVersion = h.MaxVersion })
            .ToList(),
    };
}
