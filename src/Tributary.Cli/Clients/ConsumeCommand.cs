using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using Tributary.Cli.Common;

namespace Tributary.Cli.Clients;

/// <summary>
/// <c>tributary consume</c>: kcat's consumer mode on Confluent.Kafka. Without <c>-G</c> it assigns the topic's
/// partitions itself and starts at <c>-o</c>; with <c>-G</c> it joins a consumer group and commits as it goes.
/// Records go to stdout as values, key-delimiter-value, a <c>-f</c> format or <c>-J</c> JSON lines.
/// </summary>
internal static class ConsumeCommand
{
    public static Command Create()
    {
        var connection = new KafkaConnectionOptions();
        var topic = new Option<string>("--topic", "-t") { Description = "Topic to read.", Required = true };
        var partition = new Option<int?>("--partition", "-p") { Description = "Read only this partition (not with -G)." };
        var offset = new Option<string>("--offset", "-o")
        {
            Description = "Where to start: beginning, end, N, -N (N before the end) or s@<unix ms>. With -G only beginning or end (for partitions without a committed offset).",
            DefaultValueFactory = _ => "beginning",
        };
        var exitAtEnd = new Option<bool>("--exit", "-e") { Description = "Exit when every assigned partition has been read to its end." };
        var count = new Option<long?>("--count", "-c") { Description = "Exit after this many records." };
        var format = new Option<string?>("--format", "-f") { Description = "Output format: %t %p %o %k %K %s %S %h %T %%, \\n \\t escapes." };
        var json = new Option<bool>("--json", "-J") { Description = "One JSON object per record." };
        var group = new Option<string?>("--group", "-G") { Description = "Join this consumer group (balanced consumer; commits offsets)." };
        var keyDelimiter = new Option<string?>("--key-delimiter", "-K") { Description = "Print key, this delimiter, then the value." };
        var command = new Command("consume", "Read records from a topic to stdout (kcat -C).") { topic, partition, offset, exitAtEnd, count, format, json, group, keyDelimiter };
        connection.AddTo(command);
        command.SetSafeAction((result, cancellationToken) =>
        {
            var request = new ConsumeRequest(
                connection.Read(result), result.GetValue(topic)!, result.GetValue(partition), OffsetSpec.Parse(result.GetValue(offset)!),
                result.GetValue(exitAtEnd), result.GetValue(count), result.GetValue(group),
                ChooseWriter(result.GetValue(format), result.GetValue(json), result.GetValue(keyDelimiter)));
            return Task.Run(() => Run(request, cancellationToken), CancellationToken.None);
        });
        return command;
    }

    private sealed record ConsumeRequest(
        KafkaConnection Connection, string Topic, int? Partition, OffsetSpec Offset, bool ExitAtEnd, long? Count, string? Group,
        Action<TextWriter, ConsumeResult<byte[], byte[]>> Writer);

    private static Action<TextWriter, ConsumeResult<byte[], byte[]>> ChooseWriter(string? format, bool json, string? keyDelimiter)
    {
        if (json && format is not null)
            throw new UserErrorException("-J and -f cannot be combined");
        if (json)
            return JsonMessageWriter.Write;
        var parsed = MessageFormat.Parse(format ?? (keyDelimiter is null ? "%s\\n" : $"%k{keyDelimiter.Replace("%", "%%").Replace("\\", "\\\\")}%s\\n"));
        return parsed.Write;
    }

    private static int Run(ConsumeRequest request, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);
        var topicPartitions = Validate(request);
        using var consumer = BuildConsumer(request);
        if (request.Group is null)
            consumer.Assign(topicPartitions.Select(p => new TopicPartitionOffset(p, request.Offset.Resolve(consumer, p, request.Connection.Timeout))));
        else
            consumer.Subscribe(request.Topic);

        using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
        var atEnd = new HashSet<TopicPartition>();
        long written = 0;
        while (!shutdown.Token.IsCancellationRequested && written != request.Count)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null)
            {
                output.Flush(); // idle: show what has arrived
                continue;
            }
            if (record.IsPartitionEOF)
            {
                atEnd.Add(record.TopicPartition);
                var assignment = consumer.Assignment;
                if (request.ExitAtEnd && assignment.Count > 0 && assignment.All(atEnd.Contains))
                    break;
                continue;
            }
            atEnd.Remove(record.TopicPartition);
            request.Writer(output, record);
            written++;
        }
        output.Flush();
        if (request.Group is not null)
            consumer.Close(); // leave the group cleanly and commit what was read
        return 0;
    }

    // Fails fast on an unreachable cluster, an unknown topic or partition, and option combinations that make no sense.
    private static IReadOnlyList<TopicPartition> Validate(ConsumeRequest request)
    {
        if (request.Group is not null && request.Partition is not null)
            throw new UserErrorException("-p cannot be combined with -G: the group assigns partitions");
        if (request.Group is not null && request.Offset is not (OffsetSpec.Beginning or OffsetSpec.End))
            throw new UserErrorException("with -G, -o can only be beginning or end");
        using var admin = request.Connection.CreateAdminClient();
        var metadata = request.Connection.RequireTopic(admin, request.Topic);
        var partitions = metadata.Partitions.Select(p => p.PartitionId).Order().ToList();
        if (request.Partition is { } only && !partitions.Contains(only))
            throw new UserErrorException($"unknown partition {only} of topic '{request.Topic}' (it has {partitions.Count})");
        return (request.Partition is { } chosen ? [chosen] : partitions).Select(p => new TopicPartition(request.Topic, p)).ToList();
    }

    private static IConsumer<byte[], byte[]> BuildConsumer(ConsumeRequest request)
    {
        var defaults = new Dictionary<string, string>
        {
            ["enable.partition.eof"] = request.ExitAtEnd ? "true" : "false",
            ["auto.offset.reset"] = request.Offset is OffsetSpec.End ? "latest" : "earliest",
        };
        if (request.Group is null)
        {
            // librdkafka wants a group id for some look-ups even without group membership; nothing is committed.
            defaults["group.id"] = "tributary-consume";
            defaults["enable.auto.commit"] = "false";
        }
        else
            defaults["group.id"] = request.Group;
        return new ConsumerBuilder<byte[], byte[]>(request.Connection.ClientProperties(defaults))
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();
    }
}
