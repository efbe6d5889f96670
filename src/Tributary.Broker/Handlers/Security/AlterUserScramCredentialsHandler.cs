using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Security;

/// <summary>
/// AlterUserScramCredentials v0 (KIP-554): deletes and upserts SCRAM credentials; an upsertion carries the salt and
/// the salted password the client derived, from which the broker keeps the stored and server keys. One result per
/// user named, in order; a user with any invalid alteration has none applied. Errors as Kafka's controller gives
/// them: an empty name or out-of-range iterations (4096 to 16384) UNACCEPTABLE_CREDENTIAL, an unknown mechanism
/// UNSUPPORTED_SASL_MECHANISM, the same user and mechanism twice DUPLICATE_RESOURCE, deleting a credential that does
/// not exist RESOURCE_NOT_FOUND. PLAIN passwords are not SCRAM credentials and do not change. Needs ALTER on the
/// cluster (else every user gets CLUSTER_AUTHORIZATION_FAILED and nothing changes).
/// </summary>
internal sealed class AlterUserScramCredentialsHandler : ApiHandler<AlterUserScramCredentialsRequest>
{
    public override ApiKey ApiKey => ApiKey.AlterUserScramCredentials;
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    private sealed record Alteration(string User, sbyte Mechanism, AlterUserScramCredentialsRequest.ScramCredentialUpsertion? Upsertion);

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, AlterUserScramCredentialsRequest request, CancellationToken cancellationToken)
    {
        var alterations = request.Deletions.Select(d => new Alteration(d.Name, d.Mechanism, null))
            .Concat(request.Upsertions.Select(u => new Alteration(u.Name, u.Mechanism, u)))
            .ToList();
        var errors = new Dictionary<string, (ErrorCode, string)>();
        if (!context.AuthorizeCluster(AclOperation.Alter))
        {
            foreach (var alteration in alterations)
                errors[alteration.User] = (ErrorCode.ClusterAuthorizationFailed, AuthorizationMessages.Of(ErrorCode.ClusterAuthorizationFailed)!);
        }
        foreach (var alteration in alterations)
        {
            if (!errors.ContainsKey(alteration.User) && Validate(alteration) is { } error) errors[alteration.User] = error;
        }
        foreach (var duplicate in alterations.GroupBy(a => (a.User, a.Mechanism)).Where(g => g.Count() > 1))
        {
            errors.TryAdd(duplicate.Key.User, (ErrorCode.DuplicateResource, "A user credential cannot be altered twice in the same request"));
        }
        foreach (var deletion in alterations.Where(a => a.Upsertion is null && !errors.ContainsKey(a.User)))
        {
            if (context.Users.Scram(deletion.User, ScramAlgorithm.FromKafkaCode(deletion.Mechanism)!) is null)
                errors[deletion.User] = (ErrorCode.ResourceNotFound, "Attempt to delete a user credential that does not exist");
        }

        foreach (var alteration in alterations.Where(a => !errors.ContainsKey(a.User)))
        {
            var algorithm = ScramAlgorithm.FromKafkaCode(alteration.Mechanism)!;
            if (alteration.Upsertion is { } upsertion)
                context.Users.SetScram(alteration.User, algorithm, algorithm.Credential(upsertion.SaltedPassword, upsertion.Salt, upsertion.Iterations));
            else
                context.Users.RemoveScram(alteration.User, algorithm);
        }

        var response = new AlterUserScramCredentialsResponse();
        foreach (var user in alterations.Select(a => a.User).Distinct())
        {
            var (error, message) = errors.GetValueOrDefault(user, (ErrorCode.None, null!));
            response.Results.Add(new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult { User = user, ErrorCode = (short)error, ErrorMessage = message });
        }
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static (ErrorCode, string)? Validate(Alteration alteration)
    {
        if (alteration.User.Length == 0) return (ErrorCode.UnacceptableCredential, "Username must not be empty");
        if (ScramAlgorithm.FromKafkaCode(alteration.Mechanism) is null) return (ErrorCode.UnsupportedSaslMechanism, "Unknown SCRAM mechanism");
        if (alteration.Upsertion is not { } upsertion) return null;
        if (upsertion.Iterations < ScramAlgorithm.MinIterations) return (ErrorCode.UnacceptableCredential, "Too few iterations");
        if (upsertion.Iterations > ScramAlgorithm.MaxIterations) return (ErrorCode.UnacceptableCredential, "Too many iterations");
        if (upsertion.Salt.Length == 0 || upsertion.SaltedPassword.Length == 0) return (ErrorCode.UnacceptableCredential, "The salt and the salted password must not be empty");
        return null;
    }
}
