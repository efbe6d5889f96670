// Seed exercise 1: produce messages with KafkaProducer.PlainSink.
// Usage: dotnet run --project examples/Produce -- [bootstrap-servers] [topic] [count]
// Without bootstrap servers it starts an embedded cluster in this process (and says so).
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Examples;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

var topic = args.ElementAtOrDefault(1) ?? "greetings";
var count = int.Parse(args.ElementAtOrDefault(2) ?? "10");
await using var cluster = await ExampleCluster.StartAsync(args.ElementAtOrDefault(0), [topic]);
if (cluster is null)
    return 1;
var bootstrapServers = cluster.BootstrapServers;

using var system = ActorSystem.Create("produce");
var settings = ProducerSettings<string, string>.Create(system, Serializers.Utf8, Serializers.Utf8)
    .WithBootstrapServers(bootstrapServers);

await Source.From(Enumerable.Range(1, count))
    .Select(i => new ProducerRecord<string, string>(topic, $"key-{i}", $"hello {i}"))
    .RunWith(KafkaProducer.PlainSink(settings), system.Materializer());

Console.WriteLine($"Produced {count} messages to {topic}.");
return 0;
