using System.CommandLine;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Cli.Admin;
using Tributary.Abstractions;
using Tributary.Cli.Common;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

namespace Tributary.Cli.Pipe;

/// <summary>
/// <c>tributary pipe</c>: consumes a topic in a consumer group, transforms each record and produces the result to
/// another topic, built on the Tributary.Streams connectors. At-least-once (committable source, producer, committer)
/// by default; <c>--exactly-once</c> uses the transactional source and sink, so output and offsets commit together.
/// Runs until Ctrl-C/SIGTERM or <c>-c</c> records, then drains: what is in flight is written and committed.
/// </summary>
internal static class PipeCommand
{
    public static Command Create()
    {
        var connection = new KafkaConnectionOptions();
        var from = new Option<string>("--from") { Description = "Topic to read.", Required = true };
        var to = new Option<string>("--to") { Description = "Topic to write.", Required = true };
        var group = new Option<string?>("--group", "-G") { Description = "Consumer group (default: tributary-pipe-FROM-TO). A new group starts at the beginning." };
        var transforms = new Option<string[]>("--transform", "-T") { Description = $"A built-in transform, applied in order; repeatable: {BuiltInTransforms.Help}." };
        var plugin = new Option<string?>("--plugin") { Description = "Path of an assembly with an IMessageTransform class (Tributary.Abstractions), applied after -T." };
        var pluginType = new Option<string?>("--plugin-type") { Description = "The plug-in class to use when the assembly has several." };
        var exactlyOnce = new Option<bool>("--exactly-once") { Description = "Write output and commit offsets in Kafka transactions (read_committed input)." };
        var transactionalId = new Option<string?>("--transactional-id") { Description = "transactional.id for --exactly-once (default: the group name)." };
        var count = new Option<long?>("--count", "-c") { Description = "Stop after this many records were read (records in flight are finished too)." };
        var noCreate = new Option<bool>("--no-create") { Description = "Fail if the output topic does not exist instead of creating it like the input topic." };
        var command = new Command("pipe", "Consume a topic, transform each record, produce to another topic.")
            { from, to, group, transforms, plugin, pluginType, exactlyOnce, transactionalId, count, noCreate };
        connection.AddTo(command);
        command.SetSafeAction(async (result, cancellationToken) =>
        {
            var kafka = connection.Read(result);
            var input = result.GetValue(from)!;
            var output = result.GetValue(to)!;
            var steps = (result.GetValue(transforms) ?? []).Select(BuiltInTransforms.Parse).ToList();
            if (result.GetValue(plugin) is { } path)
                steps.Add(TransformPlugin.Load(path, result.GetValue(pluginType)));
            else if (result.GetValue(pluginType) is not null)
                throw new UserErrorException("--plugin-type needs --plugin");
            using (var admin = kafka.CreateAdminClient())
            {
                var inputTopic = kafka.RequireTopic(admin, input);
                if (!kafka.TopicExists(admin, output))
                {
                    if (result.GetValue(noCreate))
                        throw new UserErrorException($"unknown topic '{output}' (without --no-create, pipe creates it)");
                    await CreateLikeAsync(kafka, admin, output, inputTopic);
                }
            }
            var groupId = result.GetValue(group) ?? $"tributary-pipe-{input}-{output}";
            var pipe = new PipeRun(kafka, input, output, groupId, new TransformChain(steps), result.GetValue(count));
            return await pipe.RunAsync(result.GetValue(exactlyOnce) ? result.GetValue(transactionalId) ?? groupId : null, cancellationToken);
        });
        return command;
    }

    // The output topic gets the input's partitions and replication factor, so keys keep their partitioning.
    private static async Task CreateLikeAsync(KafkaConnection kafka, IAdminClient admin, string name, TopicMetadata like)
    {
        var specification = new TopicSpecification
        {
            Name = name,
            NumPartitions = like.Partitions.Count,
            ReplicationFactor = (short)like.Partitions[0].Replicas.Length,
        };
        await AdminErrors.RunAsync(() => admin.CreateTopicsAsync([specification], new CreateTopicsOptions { OperationTimeout = kafka.Timeout }));
        await Console.Error.WriteLineAsync(
            $"Created topic {name} with {specification.NumPartitions} partition(s) and replication factor {specification.ReplicationFactor}, like {like.Topic}.");
    }

    /// <summary>One run of a pipe: the stream, its stop condition and its drain.</summary>
    private sealed class PipeRun(KafkaConnection kafka, string input, string output, string groupId, TransformChain transform, long? count)
    {
        private long _read;

        /// <param name="transactionalId">Null for at-least-once; the transactional id for exactly-once.</param>
        /// <param name="cancellationToken">Stops the pipe (it drains first).</param>
        public async Task<int> RunAsync(string? transactionalId, CancellationToken cancellationToken)
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            using var system = QuietActorSystem.Create("tributary-pipe");
            var consumerSettings = ConsumerSettings<byte[], byte[]>.Create(system, Deserializers.ByteArray, Deserializers.ByteArray)
                .WithProperties(kafka.ClientProperties([new("auto.offset.reset", "earliest")]))
                .WithGroupId(groupId);
            var producerSettings = ProducerSettings<byte[], byte[]>.Create(system, Serializers.ByteArray, Serializers.ByteArray)
                .WithProperties(kafka.ClientProperties([new("linger.ms", "5")]));
            var control = transactionalId is null
                ? KafkaConsumer.CommittableSource(consumerSettings, Subscriptions.Topics(input))
                    .Select(message => ToEnvelope<ICommittable>(message.Record, message.CommittableOffset))
                    .ToMaterialized(KafkaProducer.CommittableSink(producerSettings, CommitterSettings.Create(system)), DrainingControl<Done>.Create)
                    .Run(system.Materializer())
                : Transactional.Source(consumerSettings, Subscriptions.Topics(input))
                    .Select(message => ToEnvelope(message.Record, message.PartitionOffset))
                    .ToMaterialized(Transactional.Sink(producerSettings, TransactionalSettings.Create(transactionalId)), DrainingControl<Done>.Create)
                    .Run(system.Materializer());
            await Console.Error.WriteLineAsync($"Piping {input} to {output} ({(transactionalId is null ? "at-least-once" : "exactly-once")}, group {groupId}); Ctrl-C to stop.");
            while (!shutdown.Token.IsCancellationRequested && !control.StreamCompletion.IsCompleted && !(Interlocked.Read(ref _read) >= count))
                await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            try
            {
                await control.DrainAndShutdown(); // throws the stream's failure, if it failed
            }
            finally
            {
                await system.Terminate();
            }
            await Console.Error.WriteLineAsync($"Piped {Interlocked.Read(ref _read)} record(s).");
            return 0;
        }

        private IEnvelope<byte[], byte[], TPassThrough> ToEnvelope<TPassThrough>(ConsumeResult<byte[], byte[]> record, TPassThrough offset)
        {
            Interlocked.Increment(ref _read);
            var transformed = transform.Transform(new TransformMessage
            {
                Key = record.Message.Key,
                Value = record.Message.Value,
                Headers = (record.Message.Headers ?? []).Select(h => KeyValuePair.Create(h.Key, (byte[]?)h.GetValueBytes())).ToList(),
                SourceTopic = record.Topic,
                SourcePartition = record.Partition.Value,
                SourceOffset = record.Offset.Value,
                Timestamp = record.Message.Timestamp.UtcDateTime,
            });
            if (transformed is null)
                return ProducerMessage.PassThrough<byte[], byte[], TPassThrough>(offset); // dropped: commit only
            var headers = new Headers();
            foreach (var (name, value) in transformed.Headers)
                headers.Add(name, value);
            var produced = new Message<byte[], byte[]> { Key = transformed.Key!, Value = transformed.Value!, Headers = headers };
            return ProducerMessage.Single(new ProducerRecord<byte[], byte[]>(output, produced), offset);
        }
    }
}
