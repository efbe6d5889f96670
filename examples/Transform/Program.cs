// Seed exercise 3: consume, transform and produce at-least-once:
// CommittableSource -> transform -> FlexiFlow -> Committer. Ctrl+C drains in-flight messages, commits, then exits.
// Usage: dotnet run --project examples/Transform -- [bootstrap-servers] [input-topic] [output-topic]
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Confluent.Kafka;
using Tributary.Streams;
using Tributary.Streams.Dsl;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;

var bootstrapServers = args.ElementAtOrDefault(0) ?? "localhost:9092";
var inputTopic = args.ElementAtOrDefault(1) ?? "greetings";
var outputTopic = args.ElementAtOrDefault(2) ?? "shouted-greetings";

using var system = ActorSystem.Create("transform");
var consumerSettings = ConsumerSettings<string, string>.Create(system, Deserializers.Utf8, Deserializers.Utf8)
    .WithBootstrapServers(bootstrapServers)
    .WithGroupId("transform-example")
    .WithProperty("auto.offset.reset", "earliest");
var producerSettings = ProducerSettings<string, string>.Create(system, Serializers.Utf8, Serializers.Utf8)
    .WithBootstrapServers(bootstrapServers);

var control = KafkaConsumer.CommittableSource(consumerSettings, Subscriptions.Topics(inputTopic))
    .Select(message => ProducerMessage.Single(
        new ProducerRecord<string, string>(outputTopic, message.Record.Message.Key, message.Record.Message.Value.ToUpperInvariant()),
        (ICommittable)message.CommittableOffset))
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
