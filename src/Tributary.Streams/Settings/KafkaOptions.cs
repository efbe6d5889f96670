namespace Tributary.Streams.Settings;

/// <summary>
/// Consumer settings as bound from Microsoft.Extensions.Configuration (for example an <c>appsettings.json</c> section);
/// unset members keep the reference defaults. Turn into settings with <see cref="KafkaConfigurationBinder"/>.
/// </summary>
public sealed class KafkaConsumerOptions
{
    /// <summary>Comma-separated bootstrap servers.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Consumer group id.</summary>
    public string? GroupId { get; set; }

    /// <summary>Longest block in Consume.</summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>Delay between shutdown and closing the consumer.</summary>
    public TimeSpan? StopTimeout { get; set; }

    /// <summary>Longest wait for a commit.</summary>
    public TimeSpan? CommitTimeout { get; set; }

    /// <summary>Longest wait for a metadata look-up (offsets for times, the connection checker).</summary>
    public TimeSpan? MetadataRequestTimeout { get; set; }

    /// <summary>Records buffered per source before the poll thread stops taking more for it.</summary>
    public int? BufferSize { get; set; }

    /// <summary>Most records per hand-over from the poll thread.</summary>
    public int? MaxPollRecords { get; set; }

    /// <summary>Further librdkafka properties, passed through as they are.</summary>
    public Dictionary<string, string> Properties { get; set; } = new();
}

/// <summary>Producer settings as bound from Microsoft.Extensions.Configuration; unset members keep the defaults.</summary>
public sealed class KafkaProducerOptions
{
    /// <summary>Comma-separated bootstrap servers.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Produce requests in flight per stage.</summary>
    public int? Parallelism { get; set; }

    /// <summary>Longest wait for outstanding deliveries on close.</summary>
    public TimeSpan? CloseTimeout { get; set; }

    /// <summary>Further librdkafka properties, passed through as they are.</summary>
    public Dictionary<string, string> Properties { get; set; } = new();
}

/// <summary>Committer settings as bound from Microsoft.Extensions.Configuration; unset members keep the defaults.</summary>
public sealed class KafkaCommitterOptions
{
    /// <summary>Most offsets per batch.</summary>
    public int? MaxBatch { get; set; }

    /// <summary>Longest wait of a batch's first offset.</summary>
    public TimeSpan? MaxInterval { get; set; }

    /// <summary>Batch commits in flight.</summary>
    public int? Parallelism { get; set; }

    /// <summary>Wait for acknowledgements or not.</summary>
    public CommitDelivery? Delivery { get; set; }

    /// <summary>When an offset becomes eligible for commit.</summary>
    public CommitWhen? When { get; set; }
}
