using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using Tributary.Cli.Common;

namespace Tributary.Cli.Clients;

/// <summary>
/// <c>tributary produce</c>: kcat's producer mode on Confluent.Kafka. Each line of stdin is one record (with
/// <c>-K</c>, the text before the first delimiter is its key). With <c>--transactional-id</c> all records are written
/// in one transaction, committed at the end of input and aborted on any error or Ctrl-C. Exits 0 once every record
/// was acknowledged; Ctrl-C (even while waiting for a line on a terminal) stops reading and delivers what was read.
/// </summary>
internal static class ProduceCommand
{
    public static Command Create()
    {
        var connection = new KafkaConnectionOptions();
        var topic = new Option<string>("--topic", "-t") { Description = "Topic to write.", Required = true };
        var partition = new Option<int?>("--partition", "-p") { Description = "Write to this partition (default, or -1: the partitioner picks by key)." };
        var keyDelimiter = new Option<string?>("--key-delimiter", "-K") { Description = "Split each line into key and value at the first occurrence of this delimiter." };
        var headers = new Option<string[]>("--header", "-H") { Description = "A header as name=value added to every record; repeatable." };
        var count = new Option<long?>("--count", "-c") { Description = "Stop after this many records." };
        var transactionalId = new Option<string?>("--transactional-id") { Description = "Write every record in one transaction with this transactional.id (as -X transactional.id=ID does)." };
        var key = new Option<string?>("--key", "-k") { Description = "A fixed key for every record (a key found with -K takes precedence)." };
        var file = new Option<FileInfo?>("--file", "-l") { Description = "Read the lines of this file instead of stdin." };
        var command = new Command("produce", "Write stdin lines to a topic, one record per line (kcat -P).")
            { topic, partition, keyDelimiter, key, headers, count, transactionalId, file };
        connection.AddTo(command);
        command.SetSafeAction(async (result, cancellationToken) =>
        {
            var kafka = connection.Read(result);
            var request = new ProduceRequest(
                kafka, result.GetValue(topic)!, result.GetValue(partition), result.GetValue(keyDelimiter), result.GetValue(key),
                ParseHeaders(result.GetValue(headers) ?? []), result.GetValue(count),
                result.GetValue(transactionalId) ?? kafka.Properties.GetValueOrDefault("transactional.id"));
            using var lines = result.GetValue(file) is { } path ? OpenFile(path) : null;
            return await Task.Run(() => Run(request, lines ?? Console.In, cancellationToken), CancellationToken.None);
        });
        return command;
    }

    private sealed record ProduceRequest(
        KafkaConnection Connection, string Topic, int? Partition, string? KeyDelimiter, string? Key, Headers Headers, long? Count, string? TransactionalId);

    private static StreamReader OpenFile(FileInfo file) =>
        file.Exists ? file.OpenText() : throw new UserErrorException($"no such file: {file.FullName}");

    // Not NameValues.Parse: headers keep their order and a name may repeat.
    private static Headers ParseHeaders(IEnumerable<string> headers)
    {
        var parsed = new Headers();
        foreach (var header in headers)
        {
            var equals = header.IndexOf('=');
            if (equals <= 0)
                throw new UserErrorException($"bad header '{header}': expected name=value");
            parsed.Add(header[..equals], Encoding.UTF8.GetBytes(header[(equals + 1)..]));
        }
        return parsed;
    }

    private static int Run(ProduceRequest request, TextReader input, CancellationToken cancellationToken)
    {
        using var shutdown = new ShutdownSignal(cancellationToken);
        var destination = Validate(request);
        using var producer = BuildProducer(request);
        var transactional = request.TransactionalId is not null;
        if (transactional)
        {
            producer.InitTransactions(request.Connection.Timeout);
            producer.BeginTransaction();
        }
        Error? firstError = null;
        long sent = 0;
        var lines = new InterruptibleLineReader(input);
        try
        {
            while (sent != request.Count && lines.Next(shutdown.Token) is { } line)
            {
                var message = ToMessage(line, request.KeyDelimiter, request.Key, request.Headers);
                ProduceWaitingForRoom(producer, destination, message, report =>
                {
                    if (report.Error.IsError)
                        Interlocked.CompareExchange(ref firstError, report.Error, null);
                });
                sent++;
            }
            if (shutdown.Token.IsCancellationRequested && transactional)
                throw new UserErrorException("interrupted before the end of input: the transaction was aborted, nothing was written");
            // After Ctrl-C the lines read so far are still delivered, within the time allowed to reach the cluster.
            if (producer.Flush(request.Connection.Timeout + TimeSpan.FromSeconds(30)) is var undelivered and > 0)
                throw new UserErrorException($"{undelivered} record(s) were not acknowledged in time");
            if (firstError is { } error)
                throw new UserErrorException($"delivery failed: {error.Reason} ({error.Code})");
            if (transactional)
                producer.CommitTransaction(request.Connection.Timeout);
        }
        catch when (transactional)
        {
            producer.AbortTransaction(request.Connection.Timeout);
            throw;
        }
        return 0;
    }

    // Produce only queues; when librdkafka's queue is full, wait for deliveries to make room instead of failing.
    private static void ProduceWaitingForRoom(IProducer<byte[]?, byte[]?> producer, TopicPartition destination, Message<byte[]?, byte[]?> message,
        Action<DeliveryReport<byte[]?, byte[]?>> onDelivery)
    {
        while (true)
        {
            try
            {
                producer.Produce(destination, message, onDelivery);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private static Message<byte[]?, byte[]?> ToMessage(string line, string? keyDelimiter, string? fixedKey, Headers headers)
    {
        var split = keyDelimiter is null ? -1 : line.IndexOf(keyDelimiter, StringComparison.Ordinal);
        var (key, value) = split < 0 ? (fixedKey, line) : (line[..split], line[(split + keyDelimiter!.Length)..]);
        var message = new Message<byte[]?, byte[]?>
        {
            Key = key is null ? null : Encoding.UTF8.GetBytes(key),
            Value = Encoding.UTF8.GetBytes(value),
        };
        if (headers.Count > 0)
        {
            message.Headers = [];
            foreach (var header in headers)
                message.Headers.Add(header.Key, header.GetValueBytes());
        }
        return message;
    }

    private static TopicPartition Validate(ProduceRequest request)
    {
        using var admin = request.Connection.CreateAdminClient();
        var metadata = request.Connection.RequireTopic(admin, request.Topic);
        // -p -1 is kcat's way of asking for the partitioner.
        var chosen = request.Partition is -1 ? null : request.Partition;
        if (chosen is { } partition && metadata.Partitions.All(p => p.PartitionId != partition))
            throw new UserErrorException($"unknown partition {partition} of topic '{request.Topic}' (it has {metadata.Partitions.Count})");
        return new TopicPartition(request.Topic, chosen is { } fixedPartition ? new Partition(fixedPartition) : Partition.Any);
    }

    private static IProducer<byte[]?, byte[]?> BuildProducer(ProduceRequest request)
    {
        var defaults = new Dictionary<string, string> { ["linger.ms"] = "5" };
        if (request.TransactionalId is { } id)
            defaults["transactional.id"] = id;
        return new ProducerBuilder<byte[]?, byte[]?>(request.Connection.ClientProperties(defaults))
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();
    }
}
