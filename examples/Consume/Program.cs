// Seed exercise 2: consume messages with KafkaConsumer.PlainSource.
// Usage: dotnet run --project examples/Consume -- [bootstrap-servers] [topic] [count]
// Without bootstrap servers it starts an embedded cluster in this process (and says so) and writes greetings to read.
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
await using var cluster = await ExampleCluster.StartAsync(args.ElementAtOrDefault(0), [topic], greetings: count);
if (cluster is null)
    return 1;
var bootstrapServers = cluster.BootstrapServers;

using var system = ActorSystem.Create("consume");
var settings = ConsumerSettings<string, string>.Create(system, Deserializers.Utf8, Deserializers.Utf8)
    .WithBootstrapServers(bootstrapServers)
    .WithGroupId("consume-example")
    .WithProperty("auto.offset.reset", "earliest");

await KafkaConsumer.PlainSource(settings, Subscriptions.Topics(topic))
    .Take(count)
    .RunForeach(record => Console.WriteLine($"{record.TopicPartitionOffset}: {record.Message.Key} = {record.Message.Value}"), system.Materializer());
Console.WriteLine($"Consumed {count} messages from {topic}.");
return 0;
