using System.Text.RegularExpressions;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// ApiVersions: lists the version range of every API this broker serves, itself included. Every version listed is
/// answered in a format that version can read (Produce v0-2 and Fetch v0-3 through message format conversion).
/// From v3 the client names its software (KIP-511): a name or version that is not letters, digits, '-' and '.'
/// starting and ending with a letter or digit gets INVALID_REQUEST and no API list, as Kafka answers.
/// </summary>
internal sealed partial class ApiVersionsHandler : ApiHandler<ApiVersionsRequest>
{
    private const short ClientSoftwareVersion = 3;

    public override ApiKey ApiKey => ApiKey.ApiVersions;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion >= ClientSoftwareVersion
            && !(SoftwareNameOrVersion().IsMatch(request.ClientSoftwareName) && SoftwareNameOrVersion().IsMatch(request.ClientSoftwareVersion)))
        {
            return ValueTask.FromResult<IKafkaResponse?>(new ApiVersionsResponse { ErrorCode = (short)ErrorCode.InvalidRequest });
        }
        return ValueTask.FromResult<IKafkaResponse?>(Describe(context.Handlers, ErrorCode.None));
    }

    /// <summary>The response listing <paramref name="handlers"/>, with <paramref name="error"/>.</summary>
    public static ApiVersionsResponse Describe(HandlerRegistry handlers, ErrorCode error) => new()
    {
        ErrorCode = (short)error,
        ApiKeys = handlers.Versions,
    };

    [GeneratedRegex(@"^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?\z")]
    private static partial Regex SoftwareNameOrVersion();
}
