using Akka.Streams.Dsl;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

/// <summary>
/// An at-least-once connector pipeline (committable source -> transform -> producer -> committer) living through
/// what production does to it, one fault after the other while inputs keep arriving: leaders moved, the group's
/// coordinator moved, every connection dropped, a broker isolated until the controller fences it and then healed.
/// Every input ends up in the output at least once and the group's lag goes to zero.
/// </summary>
public sealed class FaultTolerancePipelineTests(KafkaFixture kafka, ITestOutputHelper output) : KafkaTestBase(kafka, output)
{
    private const int Partitions = 3;
    private const int PerStep = 60;

    [Fact]
    public async Task A_committing_pipeline_copies_every_input_at_least_once_through_leader_and_coordinator_moves_dropped_connections_and_an_isolated_broker()
    {
        var cluster = Kafka.Cluster;
        var input = KafkaFixture.UniqueName("faulty-in");
        var outputTopic = KafkaFixture.UniqueName("faulty-out");
        await Kafka.CreateTopicAsync(input, Partitions, replicationFactor: 3);
        await Kafka.CreateTopicAsync(outputTopic, Partitions, replicationFactor: 3);
        var group = NewGroup();
        var control = KafkaConsumer.CommittableSource(ConsumerSettings(group), Subscriptions.Topics(input))
            .Select(m => ProducerMessage.Single(new ProducerRecord<string, string>(outputTopic, m.Record.Message.Key, m.Record.Message.Value.ToUpperInvariant()), (ICommittable)m.CommittableOffset))
            .Via(KafkaProducer.FlexiFlow<string, string, ICommittable>(ProducerSettings().WithProperty("topic.metadata.refresh.interval.ms", "1000")))
            .Select(result => result.PassThrough)
            .ToMaterialized(Committer.Sink(CommitterSettings.Default.WithMaxBatch(10)), DrainingControl<Akka.Done>.Create)
            .Run(Materializer);
        var sent = 0;

        async Task StepAsync(string fault, Func<Task> inflict)
        {
            Logger.LogInformation("Fault: {Fault}", fault);
            await inflict();
            await ProduceAsync(input, Values(PerStep, $"{fault}-"));
            sent += PerStep;
            await EventuallyAsync(async () => (await EndOffsetsAsync(outputTopic, Partitions)).Sum() >= sent, $"the pipeline copied {sent} records");
        }

        try
        {
            await StepAsync("warmup", () => Task.CompletedTask);
            await StepAsync("leader-move", async () =>
            {
                for (var partition = 0; partition < Partitions; partition++)
                {
                    await cluster.MoveLeaderAsync(input, partition, NextBroker(cluster.GetLeader(input, partition)));
                    await cluster.MoveLeaderAsync(outputTopic, partition, NextBroker(cluster.GetLeader(outputTopic, partition)));
                }
            });
            await StepAsync("coordinator-move", () => cluster.MoveGroupCoordinatorAsync(group, NextBroker(cluster.GetGroupCoordinator(group))));
            await StepAsync("dropped-connections", () =>
            {
                foreach (var broker in cluster.Brokers) cluster.Network.DropConnections(broker.Id);
                return Task.CompletedTask;
            });
            var isolated = cluster.GetLeader(outputTopic, 0);
            await StepAsync("isolated", () =>
            {
                cluster.Network.Isolate(isolated);
                return Task.CompletedTask;
            });
            await StepAsync("healed", () =>
            {
                cluster.Network.Heal(isolated);
                return Task.CompletedTask;
            });

            await Kafka.WaitForZeroLagAsync(group, input, Patience);
        }
        finally
        {
            cluster.Network.HealAll();
            await control.DrainAndShutdown().WaitAsync(Patience);
        }

        var copied = (await ReadAllAsync(outputTopic, Partitions, sent)).Select(r => r.Message.Value).ToHashSet();
        var inputs = new[] { "warmup", "leader-move", "coordinator-move", "dropped-connections", "isolated", "healed" }
            .SelectMany(step => Values(PerStep, $"{step}-")).Select(v => v.ToUpperInvariant()).ToHashSet();
        Assert.Subset(copied, inputs);
    }

    private int NextBroker(int brokerId) => brokerId % Kafka.Cluster.Brokers.Count + 1;
}
