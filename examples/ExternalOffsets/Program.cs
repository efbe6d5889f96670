// Offsets kept outside Kafka: each partition's sub-source starts where the offsets file says, and every processed
// record moves its partition's offset in the file. Run it twice: the second run continues after the first.
// Usage: dotnet run --project examples/ExternalOffsets -- [bootstrap-servers] [topic] [offsets-file] [count]
// Without bootstrap servers it starts an embedded cluster in this process (and says so) and writes greetings to read;
// that cluster is new on every run, so delete the offsets file between such runs.
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Examples.ExternalOffsets;
using Tributary.Examples;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

var topic = args.ElementAtOrDefault(1) ?? "greetings";
var offsetsFile = args.ElementAtOrDefault(2) ?? "offsets.json";
var count = int.Parse(args.ElementAtOrDefault(3) ?? "10");
await using var cluster = await ExampleCluster.StartAsync(args.ElementAtOrDefault(0), [topic], greetings: count);
if (cluster is null)
    return 1;
var bootstrapServers = cluster.BootstrapServers;

var store = new FileOffsetStore(offsetsFile);
using var system = ActorSystem.Create("external-offsets");
var settings = ConsumerSettings<string, string>.Create(system, Deserializers.Utf8, Deserializers.Utf8)
    .WithBootstrapServers(bootstrapServers)
    .WithGroupId("external-offsets-example");

var processed = await KafkaConsumer.PlainPartitionedManualOffsetSource(
        settings,
        Subscriptions.Topics(topic),
        assigned => Task.FromResult(store.NextOffsets(assigned)))
    .Via(Flow.Create<(TopicPartition, Source<ConsumeResult<string, string>, NotUsed>)>().MergeMany(16, partition => partition.Item2))
    .Select(record =>
    {
        Console.WriteLine($"{record.TopicPartitionOffset}: {record.Message.Value}");
        store.Processed(record.TopicPartitionOffset);
        return record;
    })
    .Take(count)
    .RunWith(Sink.Seq<ConsumeResult<string, string>>(), system.Materializer());

Console.WriteLine($"Processed {processed.Count} records; offsets are in {Path.GetFullPath(offsetsFile)}.");
return 0;
