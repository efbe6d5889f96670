// Consume, transform and produce exactly once: the Transform example with two calls swapped,
// KafkaConsumer.CommittableSource -> Transactional.Source and FlexiFlow + Committer -> Transactional.Sink.
// Output records and input offsets are committed in one Kafka transaction every 100 ms; a read_committed
// consumer of the output sees every input once, even if this process is killed at any moment and restarted.
// The exactly-once tests kill this program with Process.Kill. It prints "running" once the stream is materialized.
// Usage: dotnet run --project examples/ExactlyOnce -- [bootstrap-servers] [input-topic] [output-topic] [group] [transactional-id] [group-protocol]
// Without bootstrap servers it starts an embedded cluster in this process (and says so) and writes greetings to transform.
// group-protocol is "classic" (default) or "consumer" (KIP-848: the broker assigns partitions and sets the session
// and heartbeat timings, so the classic client-side settings are left out).
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
var group = args.ElementAtOrDefault(3) ?? "exactly-once-example";
var transactionalId = args.ElementAtOrDefault(4) ?? "exactly-once-example-1";
var groupProtocol = args.ElementAtOrDefault(5) ?? "classic";
await using var cluster = await ExampleCluster.StartAsync(args.ElementAtOrDefault(0), [inputTopic, outputTopic], greetings: 10);
if (cluster is null)
    return 1;
var bootstrapServers = cluster.BootstrapServers;

using var system = ActorSystem.Create("exactly-once");
var consumerSettings = ConsumerSettings<string, string>.Create(system, Deserializers.Utf8, Deserializers.Utf8)
    .WithBootstrapServers(bootstrapServers)
    .WithGroupId(group)
    .WithProperty("auto.offset.reset", "earliest")
    .WithProperty("max.poll.interval.ms", "10000");
consumerSettings = groupProtocol == "consumer"
    ? consumerSettings.WithProperty("group.protocol", "consumer")
    : consumerSettings.WithProperty("session.timeout.ms", "6000").WithProperty("heartbeat.interval.ms", "300");
var producerSettings = ProducerSettings<string, string>.Create(system, Serializers.Utf8, Serializers.Utf8)
    .WithBootstrapServers(bootstrapServers);

var control = Transactional.Source(consumerSettings, Subscriptions.Topics(inputTopic))
    .Select(message => ProducerMessage.Single(
        new ProducerRecord<string, string>(outputTopic, message.Record.Message.Key, message.Record.Message.Value.ToUpperInvariant()),
        message.PartitionOffset))
    .ToMaterialized(Transactional.Sink(producerSettings, TransactionalSettings.Create(transactionalId)), DrainingControl<Done>.Create)
    .Run(system.Materializer());

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
Console.WriteLine("running");
await Task.WhenAny(stop.Task, control.StreamCompletion);
await control.DrainAndShutdown();
Console.WriteLine("Drained, committed and closed.");
return 0;
