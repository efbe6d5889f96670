// Seed exercise 3: consume, transform and produce at-least-once:
// CommittableSource -> transform -> FlexiFlow -> Committer. Ctrl+C drains in-flight messages, commits, then exits.
// Usage: dotnet run --project examples/Transform -- [bootstrap-servers] [input-topic] [output-topic]
// Without bootstrap servers it starts an embedded cluster in this process (and says so) and writes greetings to transform.
using Akka;
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

var inputTopic = args.ElementAtOrDefault(1) ?? "greetings";
var outputTopic = args.ElementAtOrDefault(2) ?? "shouted-greetings";
await using var cluster = await ExampleCluster.StartAsync(args.ElementAtOrDefault(0), [inputTopic, outputTopic], greetings: 10);
if (cluster is null)
    return 1;
var bootstrapServers = cluster.BootstrapServers;

using var system = ActorSystem.Create("transform");
var consumerSettings = ConsumerSettings<string, string>.Create(system, Deserializers.Utf8, Deserializers.Utf8)
    .WithBootstrapServers(bootstrapServers)
    .WithGroupId("transform-example")
    .WithProperty("auto.offset.reset", "earliest");
var producerSettings = ProducerSettings<string, string>.Create(system, Serializers.Utf8, Serializers.Utf8)
    .WithBootstrapServers(bootstrapServers);

var control = KafkaConsumer.CommittableSource(consumerSettings, Subscriptions.Topics(inputTopic))
    .Select(message =>
    {
        var shouted = message.Record.Message.Value.ToUpperInvariant();
        Console.WriteLine($"{message.Record.TopicPartitionOffset}: {message.Record.Message.Value} -> {shouted}");
        return ProducerMessage.Single(
            new ProducerRecord<string, string>(outputTopic, message.Record.Message.Key, shouted),
            (ICommittable)message.CommittableOffset);
    })
    .Via(KafkaProducer.FlexiFlow<string, string, ICommittable>(producerSettings))
    .Select(result => result.PassThrough)
    .ToMaterialized(Committer.Sink(CommitterSettings.Create(system)), DrainingControl<Done>.Create)
    .Run(system.Materializer());

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
Console.WriteLine($"Copying {inputTopic} to {outputTopic} in upper case; Ctrl+C to stop.");
await Task.WhenAny(stop.Task, control.StreamCompletion);
await control.DrainAndShutdown();
Console.WriteLine("Drained, committed and closed.");
return 0;
