using Confluent.Kafka;
using System.Diagnostics;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests.ExactlyOnce;

/// <summary>
/// The exactly-once proof: two pipeline instances in one group, one killed without draining at random points and
/// restarted (once as a whole child process killed with Process.Kill), rebalancing each time. A read_committed
/// consumer of the output then sees every input transformed exactly once, in input order per input partition.
/// Under both group protocols: with the consumer protocol (KIP-848) the transactions carry member epochs.
/// </summary>
public sealed class ExactlyOnceChaosTests(KafkaFixture cluster, ITestOutputHelper output) : TransactionalTestBase(cluster, output)
{
    private const int Partitions = 4;
    private const int PerPartition = 5000;

    [Theory]
    [InlineData(GroupProtocol.Classic)]
    [InlineData(GroupProtocol.Consumer)]
    public async Task Instances_killed_at_random_points_and_restarted_transform_every_input_exactly_once(GroupProtocol protocol)
    {
        var input = await NewTopicAsync(Partitions);
        var outputTopic = await NewTopicAsync(Partitions);
        var group = NewGroup();
        var ids = KafkaFixture.UniqueName("pipeline");
        await ProduceInputAsync(input, Partitions, PerPartition);
        var seed = Environment.TickCount;
        Output.WriteLine($"Random seed {seed}");
        var random = new Random(seed);

        PipelineInstance Start(string name) => PipelineInstance.Start(Materializer, ConsumerSettings(group, protocol), ProducerSettings(),
            TransactionalSettings($"{ids}-{name}"), input, outputTopic, perSecond: 1500);

        var steady = Start("B");
        var victim = Start("A");
        for (var kill = 0; kill < 3; kill++)
        {
            await Task.Delay(random.Next(300, 1200));
            await victim.KillAsync();
            victim = Start("A");
        }

        // Once a whole process: killed with Process.Kill, then restarted (in process) under its transactional id,
        // which fences the dead process's open transaction.
        using (var child = await StartChildAsync(input, outputTopic, group, $"{ids}-C", protocol))
        {
            await Task.Delay(random.Next(500, 1500));
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }
        var restarted = Start("C");

        var copied = await ReadCommittedAsync(outputTopic, Partitions, Partitions * PerPartition, settle: TimeSpan.FromSeconds(1));
        foreach (var instance in new[] { steady, victim, restarted })
            await instance.Control.DrainAndShutdown().WaitAsync(Patience);

        AssertExactlyOnceInOrder(copied, Partitions, PerPartition);
    }

    private async Task<Process> StartChildAsync(string input, string outputTopic, string group, string transactionalId, GroupProtocol protocol)
    {
        // The example program is referenced by this test project, so it and its dependencies sit next to the tests.
        var directory = AppContext.BaseDirectory;
        var testAssembly = Path.Combine(directory, "Tributary.Streams.Tests");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "exec", "--runtimeconfig", testAssembly + ".runtimeconfig.json", "--depsfile", testAssembly + ".deps.json",
            Path.Combine(directory, "ExactlyOnce.dll"), Cluster.BootstrapServers, input, outputTopic, group, transactionalId,
            protocol == GroupProtocol.Consumer ? "consumer" : "classic",
        })
            start.ArgumentList.Add(argument);
        var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the child pipeline.");
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) Output.WriteLine($"child: {e.Data}"); };
        child.BeginErrorReadLine();
        var first = await child.StandardOutput.ReadLineAsync().WaitAsync(Patience);
        Assert.Equal("running", first);
        return child;
    }
}
