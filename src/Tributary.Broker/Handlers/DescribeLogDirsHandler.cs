using Tributary.Broker.Cluster;
using Tributary.Broker.Security;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Handlers;

/// <summary>
/// DescribeLogDirs (v0-4): this broker's one log directory and the replicas it holds there, with their size in bytes,
/// as Kafka's ReplicaManager.describeLogDirs reports them (kafka-log-dirs.sh, admin clients' describeLogDirs). Topics
/// null means every replica on the broker, internal topics included; a requested partition the broker holds no
/// replica of is left out, as Kafka does. OffsetLag is Kafka's max(high watermark - log end offset, 0) of the
/// replica's own log; IsFutureKey is always false (no AlterReplicaLogDirs: one directory per broker). The directory is
/// the data directory's broker-N with its volume's total and usable bytes (v4); in memory it is named memory://broker-N
/// and the volume sizes are -1, Kafka's value for unknown. Needs DESCRIBE on the cluster, else no directories and
/// CLUSTER_AUTHORIZATION_FAILED (v3+ carries it; older versions only see the empty list), as in Kafka.
/// </summary>
internal sealed class DescribeLogDirsHandler : ApiHandler<DescribeLogDirsRequest>
{
    public override ApiKey ApiKey => ApiKey.DescribeLogDirs;
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<IKafkaResponse?> HandleAsync(RequestContext context, DescribeLogDirsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeLogDirsResponse();
        if (!context.AuthorizeCluster(AclOperation.Describe))
        {
            response.ErrorCode = (short)ErrorCode.ClusterAuthorizationFailed;
            return ValueTask.FromResult<IKafkaResponse?>(response);
        }
        var brokerId = context.Broker.Id;
        var wanted = request.Topics?.GroupBy(t => t.Topic).ToDictionary(g => g.Key, g => g.SelectMany(t => t.Partitions).ToHashSet(), StringComparer.Ordinal);
        var directory = context.Cluster.LogDirectory(brokerId);
        var result = new DescribeLogDirsResponse.DescribeLogDirsResult { LogDir = directory ?? $"memory://broker-{brokerId}" };
        foreach (var topic in context.Cluster.Topics.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            HashSet<int>? partitions = null;
            if (wanted is not null && !wanted.TryGetValue(topic.Name, out partitions)) continue;
            var described = topic.Partitions
                .Where(p => (partitions is null || partitions.Contains(p.Index)) && p.Leadership.Replicas.Contains(brokerId))
                .Select(p => Describe(p.Index, p.ReplicaLog(brokerId)))
                .ToList();
            if (described.Count > 0) result.Topics.Add(new DescribeLogDirsResponse.DescribeLogDirsTopic { Name = topic.Name, Partitions = described });
        }
        if (directory is not null) (result.TotalBytes, result.UsableBytes) = VolumeBytes(directory);
        response.Results.Add(result);
        return ValueTask.FromResult<IKafkaResponse?>(response);
    }

    private static DescribeLogDirsResponse.DescribeLogDirsPartition Describe(int index, Log.PartitionLog log) => new()
    {
        PartitionIndex = index,
        PartitionSize = log.SizeInBytes,
        OffsetLag = Math.Max(log.HighWatermark - log.LogEndOffset, 0),
    };

    // The volume holding the directory, as Kafka's File.getTotalSpace and getUsableSpace; -1 (unknown) if it cannot be read.
    private static (long Total, long Usable) VolumeBytes(string directory)
    {
        try
        {
            var drive = new DriveInfo(directory);
            return (drive.TotalSize, drive.AvailableFreeSpace);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (-1, -1);
        }
    }
}
