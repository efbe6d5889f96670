using System.Reflection;
using Microsoft.CodeAnalysis;
using Tributary.Testing;

namespace Tributary.Docs.Tests;

/// <summary>README.md works as pasted: its C# snippets compile and print what they promise, its command-line sequence runs.</summary>
[Collection(DocsCollection.Name)]
public sealed class ReadmeTests(EmbeddedKafkaFixture kafka)
{
    private static readonly IReadOnlyList<CodeBlock> CSharp = Markdown.Blocks("README.md", "csharp");

    private static CodeBlock Under(string heading) => CSharp.Single(b => b.Heading == heading);

    [Fact]
    public async Task The_quickstart_pasted_into_a_console_app_produces_consumes_and_transforms_visibly()
    {
        var steps = new[] { "Quickstart", "1. Produce with the Kafka sink", "2. Consume with the Kafka source, committing offsets", "3. Consume, transform and produce exactly-once" };
        var program = Snippets.Compile("Quickstart", OutputKind.ConsoleApplication, string.Join("\n", steps.Select(step => Under(step).Code)));

        var output = await Snippets.RunAsync(program, TimeSpan.FromMinutes(3));

        Assert.Contains("Produced 100 greetings.", output);
        Assert.Contains("Consumed 100 greetings and committed their offsets.", output);
        Assert.Contains("Read 100 shouted greetings.", output);
        var lines = output.Split('\n').ToHashSet();
        Assert.All(Enumerable.Range(1, 100), i =>
        {
            Assert.Contains($"key-{i}: hello {i}", lines);
            Assert.Contains($"key-{i}: HELLO {i}", lines);
        });
    }

    [Fact]
    public async Task The_testkit_example_passes()
    {
        var tests = Snippets.Compile("TestkitExample", OutputKind.DynamicallyLinkedLibrary, Under("Tests with the testkit").Code);

        await TestClasses.RunFactsAsync(tests, kafka);
    }

    [Fact]
    public void The_real_cluster_settings_compile_after_the_common_setup() =>
        Snippets.Compile("RealCluster", OutputKind.ConsoleApplication, Under("Quickstart").Code + Under("A real Kafka cluster").Code);

    [Fact]
    public async Task The_command_line_sequence_works_as_pasted()
    {
        // Not "Two commands on a fresh machine": it runs every test, this one included.
        var sequence = Markdown.Blocks("README.md", "bash").Where(b => b.Heading == "The command line");

        var result = await Shell.RunAsync(sequence);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Created topic orders with 3 partition(s).", result.Stdout);
        var lines = result.Stdout.Split('\n');
        Assert.All(Enumerable.Range(1, 5), i =>
        {
            Assert.Contains(lines, line => line.EndsWith($" key-{i}=order {i}"));
            Assert.Contains($"ORDER {i}", lines);
        });
        Assert.Contains("Metadata for all topics", result.Stdout);
        Assert.Contains("Created topic shouted with 3 partition(s) and replication factor 3, like orders.", result.Stderr);
    }
}

/// <summary>Runs the [Fact] methods of compiled test classes, each with the fixture its constructor asks for.</summary>
public static class TestClasses
{
    public static async Task RunFactsAsync(Assembly tests, EmbeddedKafkaFixture kafka)
    {
        var facts = tests.GetTypes()
            .SelectMany(type => type.GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null).Select(m => (Type: type, Method: m)))
            .ToList();
        Assert.NotEmpty(facts);
        foreach (var (type, method) in facts)
        {
            var instance = type.GetConstructors().Single().GetParameters().Length == 0 ? Activator.CreateInstance(type) : Activator.CreateInstance(type, kafka);
            await (Task)method.Invoke(instance, [])!;
        }
    }
}
