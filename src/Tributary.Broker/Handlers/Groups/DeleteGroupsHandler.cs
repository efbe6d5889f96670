using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers.Groups;

/// <summary>DeleteGroups v0-2.</summary>
internal sealed class DeleteGroupsHandler : ApiHandler<DeleteGroupsRequest>
{
    /// <inheritdoc />
    public override ApiKey ApiKey => ApiKey.DeleteGroups;

    /// <inheritdoc />
    public override short MinVersion => 0;

    /// <inheritdoc />
    public override short MaxVersion => 2;

    /// <inheritdoc />
    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteGroupsResponse
        {
            Results = context.Groups.DeleteGroups(request.GroupsNames)
                .Select(result => new DeleteGroupsResponse.DeletableGroupResult { GroupId = result.GroupId, ErrorCode = (short)result.Error })
                .ToList(),
        };
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }
}
