using System.Text.Json;
using System.Text.Json.Serialization;
using Tributary.Broker.Log.Storage;
using Tributary.Broker.Security;
using Tributary.Broker.Security.Sasl;

namespace Tributary.Broker.Cluster;

/// <summary>
/// The cluster metadata of a cluster with a data directory, kept in one JSON file (<c>cluster-metadata.json</c>) that
/// is written anew, atomically (temporary file, fsync, rename), after every change: the cluster id, topics (names,
/// ids, replica assignments, config overrides), dynamic broker configs, ACLs, SCRAM credentials and the producer ids
/// handed out. Kafka keeps the same records in its KRaft metadata log (<c>__cluster_metadata</c>); a file rewritten
/// whole is simpler and as durable for a cluster whose metadata is small and changes seldom. Leaders, ISRs and leader
/// epochs are not kept: a restarted cluster elects them afresh from the recovered replicas.
/// </summary>
/// <remarks>
/// <see cref="Save"/> may be called from any thread after a change (it reads the current state under its own lock, so
/// the last save always holds the last change); callers may hold the controller's lock: lock order controller ->
/// metadata file.
/// </remarks>
internal sealed class ClusterMetadataFile(string path, ClusterController controller, Authorizer authorizer, UserCredentials credentials)
{
    /// <summary>How many producer ids are reserved in the file at a time (Kafka's controller hands out blocks of 1000).</summary>
    public const long ProducerIdBlockSize = 1000;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    private readonly Lock _lock = new();

    /// <summary>The metadata in <paramref name="path"/>, or null when there is no such file (a new data directory).</summary>
    /// <exception cref="InvalidDataException">The file is not metadata this version can read.</exception>
    public static ClusterMetadata? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var metadata = JsonSerializer.Deserialize<ClusterMetadata>(File.ReadAllBytes(path), Json);
            if (metadata is not { Version: ClusterMetadata.CurrentVersion }) throw new InvalidDataException($"{path} is not cluster metadata of version {ClusterMetadata.CurrentVersion}.");
            return metadata;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid cluster metadata: {e.Message}", e);
        }
    }

    /// <summary>Writes the cluster's current metadata to the file.</summary>
    public void Save()
    {
        lock (_lock)
        {
            var settings = controller.Settings;
            var metadata = new ClusterMetadata(
                ClusterMetadata.CurrentVersion,
                controller.ClusterId,
                controller.ProducerIdBlockEnd,
                controller.Topics.OrderBy(t => t.Name, StringComparer.Ordinal)
                    .Select(t => new TopicRecord(t.Name, t.Id, t.Config.Overrides.ToDictionary(), t.Partitions.Select(p => p.Leadership.Replicas.ToList()).ToList()))
                    .ToList(),
                settings.DynamicDefaults.ToDictionary(),
                settings.DynamicBrokerConfigs.ToDictionary(),
                authorizer.IsEnabled ? authorizer.Find(AclBindingFilter.All).ToList() : [],
                credentials.AllScram().SelectMany(user => user.Select(c => new ScramRecord(user.Key, c.Algorithm.Mechanism, c.Credential.Salt,
                    c.Credential.StoredKey, c.Credential.ServerKey, c.Credential.Iterations))).ToList());
            CheckpointFile.Write(path, JsonSerializer.Serialize(metadata, Json));
        }
    }
}

/// <summary>What <see cref="ClusterMetadataFile"/> keeps.</summary>
internal sealed record ClusterMetadata(
    int Version,
    string ClusterId,
    long ProducerIdBlockEnd,
    List<TopicRecord> Topics,
    Dictionary<string, string> DynamicDefaults,
    Dictionary<string, string> DynamicBrokerConfigs,
    List<AclBinding> Acls,
    List<ScramRecord> Scram)
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>A topic in the metadata file: its replicas by partition (preferred leader first) and its config overrides.</summary>
internal sealed record TopicRecord(string Name, Guid Id, Dictionary<string, string> Configs, List<List<int>> Replicas);

/// <summary>A SCRAM credential in the metadata file (Kafka's UserScramCredentialRecord).</summary>
internal sealed record ScramRecord(string User, string Mechanism, byte[] Salt, byte[] StoredKey, byte[] ServerKey, int Iterations);
