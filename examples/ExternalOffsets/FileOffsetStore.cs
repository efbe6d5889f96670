using System.Text.Json;
using Confluent.Kafka;

namespace Tributary.Examples.ExternalOffsets;

/// <summary>
/// Keeps the next offset to read per partition in a JSON file instead of Kafka's group offsets. Writing the result
/// of processing and the offset to the same store is what makes this pattern useful: here both go to files.
/// </summary>
internal sealed class FileOffsetStore(string path)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _offsets = Load(path);

    /// <summary>Next offsets to read for the given partitions; partitions never seen start at the beginning.</summary>
    public IReadOnlyDictionary<TopicPartition, long> NextOffsets(IEnumerable<TopicPartition> partitions)
    {
        lock (_gate)
            return partitions.ToDictionary(p => p, p => _offsets.GetValueOrDefault(Key(p), 0L));
    }

    /// <summary>Records that <paramref name="record"/> was processed: the next read of its partition starts after it.</summary>
    public void Processed(TopicPartitionOffset record)
    {
        lock (_gate)
        {
            _offsets[Key(record.TopicPartition)] = record.Offset.Value + 1;
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(_offsets));
            File.Move(temporary, path, overwrite: true);
        }
    }

    private static string Key(TopicPartition partition) => $"{partition.Topic}/{partition.Partition.Value}";

    private static Dictionary<string, long> Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, long>>(File.ReadAllText(path)) ?? new() : new();
}
