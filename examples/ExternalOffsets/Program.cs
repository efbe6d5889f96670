// Offsets kept outside Kafka: each partition's sub-source starts where the offsets file says, and every processed
// record moves its partition's offset in the file. Run it twice: the second run continues after the first.
// Usage: dotnet run --project examples/ExternalOffsets -- [bootstrap-servers] [topic] [offsets-file] [count]
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Examples.ExternalOffsets;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

var bootstrapServers = args.ElementAtOrDefault(0) ?? "localhost:9092";
var topic = args.ElementAtOrDefault(1) ?? "greetings";
var offsetsFile = args.ElementAtOrDefault(2) ?? "offsets.json";
var count = int.Parse(args.ElementAtOrDefault(3) ?? "10");

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
