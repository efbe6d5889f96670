using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Security;

/// <summary>
/// DescribeUserScramCredentials v0 (KIP-554): the SCRAM mechanisms and iteration counts of each asked user (never
/// salts or keys). A null or empty user list describes every user with a credential; a user named twice gets
/// DUPLICATE_RESOURCE, a user without credentials RESOURCE_NOT_FOUND, with Kafka's messages. Needs DESCRIBE on the
/// cluster (else CLUSTER_AUTHORIZATION_FAILED, for the response and each user asked).
/// </summary>
internal sealed class DescribeUserScramCredentialsHandler : ApiHandler<DescribeUserScramCredentialsRequest>
{
    public override ApiKey ApiKey => ApiKey.DescribeUserScramCredentials;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeUserScramCredentialsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeUserScramCredentialsResponse();
        if (!context.AuthorizeCluster(AclOperation.Describe))
        {
            var message = AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed);
            (response.ErrorCode, response.ErrorMessage) = ((short)ErrorCode.ClusterAuthorizationFailed, message);
            response.Results = (request.Users ?? []).Select(_ => Error("", ErrorCode.ClusterAuthorizationFailed, message!)).ToList();
            return ValueTask.FromResult<IKafkaResponse?>(response);
        }
        var all = context.Users.AllScram();
        if (request.Users is null || request.Users.Count == 0)
        {
            response.Results = all.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => Describe(u.Key, u)).ToList();
            return ValueTask.FromResult<IKafkaResponse?>(response);
        }
        var counts = request.Users.GroupBy(u => u.Name).ToDictionary(g => g.Key, g => g.Count());
        foreach (var name in request.Users.Select(u => u.Name).Distinct())
        {
            if (counts[name] > 1)
                response.Results.Add(Error(name, ErrorCode.DuplicateResource, $"Cannot describe SCRAM credentials for the same user twice in a single request: {name}"));
            else if (!all.Contains(name))
                response.Results.Add(Error(name, ErrorCode.ResourceNotFound, $"Attempt to describe a user credential that does not exist: {name}"));
            else
                response.Results.Add(Describe(name, all[name]));
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult Describe(
        string user, IEnumerable<(ScramAlgorithm Algorithm, ScramCredential Credential)> credentials) => new()
    {
        User = user,
        ErrorMessage = null,
        CredentialInfos = credentials
            .OrderBy(c => c.Algorithm.KafkaCode)
            .Select(c => new DescribeUserScramCredentialsResponse.CredentialInfo { Mechanism = c.Algorithm.KafkaCode, Iterations = c.Credential.Iterations })
            .ToList(),
    };

    private static DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult Error(string user, ErrorCode error, string message) =>
        new() { User = user, ErrorCode = (short)error, ErrorMessage = message };
}
