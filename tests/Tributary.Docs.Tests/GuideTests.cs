using Microsoft.CodeAnalysis;
using Tributary.Testing;

namespace Tributary.Docs.Tests;

/// <summary>The guides' complete examples compile and run, and docs/cli.md's shell session works as pasted.</summary>
[Collection(DocsCollection.Name)]
public sealed class GuideTests(EmbeddedKafkaFixture kafka)
{
    private static CodeBlock Under(string file, string heading) => Markdown.Blocks(file, "csharp").Single(b => b.Heading == heading);

    [Fact]
    public async Task Getting_started_program_shouts_the_three_greetings_on_the_embedded_cluster()
    {
        const string guide = "docs/getting-started.md";
        var program = Snippets.Compile("GettingStarted", OutputKind.ConsoleApplication,
            Under(guide, "2. The pipeline").Code, Under(guide, "3. Run it on the embedded cluster").Code);

        var output = await Snippets.RunAsync(program, TimeSpan.FromMinutes(2));

        Assert.Contains("Started an embedded cluster at 127.0.0.1:", output);
        var lines = output.Split('\n');
        Assert.Contains("ada: HELLO ADA!", lines);
        Assert.Contains("grace: HELLO GRACE!", lines);
        Assert.Contains("linus: HELLO LINUS!", lines);
    }

    [Fact]
    public async Task Getting_started_test_passes()
    {
        const string guide = "docs/getting-started.md";
        var tests = Snippets.Compile("GettingStartedTests", OutputKind.DynamicallyLinkedLibrary,
            Under(guide, "2. The pipeline").Code, Under(guide, "4. Test it").Code);

        await TestClasses.RunFactsAsync(tests, kafka);
    }

    [Fact]
    public async Task Embedded_cluster_code_example_runs_and_its_testkit_example_compiles()
    {
        const string guide = "docs/embedded-cluster.md";
        var program = Snippets.Compile("EmbeddedCluster", OutputKind.ConsoleApplication, Under(guide, "In code").Code);
        await Snippets.RunAsync(program, TimeSpan.FromMinutes(1));

        // A sketch: the pipeline under test is left out, so it is compiled, not run.
        Snippets.Compile("EmbeddedClusterTestkit", OutputKind.DynamicallyLinkedLibrary, Under(guide, "In tests: the testkit").Code);
    }

    [Fact]
    public async Task Embedded_cluster_faults_example_runs_through_a_failed_request_a_leader_move_and_an_isolated_broker()
    {
        const string guide = "docs/embedded-cluster.md";
        var program = Snippets.Compile("EmbeddedClusterFaults", OutputKind.ConsoleApplication, Under(guide, "Faults on demand").Code);

        var output = await Snippets.RunAsync(program, TimeSpan.FromMinutes(1));

        Assert.Contains("6 produce requests for 5 records", output);
        Assert.Matches(@"Broker \d isolated; broker \d leads now", output);
        // A sketch: the consumer is left out, so it is compiled, not run.
        Snippets.Compile("EmbeddedClusterClock", OutputKind.ConsoleApplication, "using Tributary.Broker;\nusing Tributary.Testing;\n" + Under(guide, "Time").Code);
    }

    [Fact]
    public void The_plug_in_example_drops_and_redacts()
    {
        var plugin = Snippets.Compile("RedactPlugin", OutputKind.DynamicallyLinkedLibrary, Under("docs/cli.md", "`pipe`").Code);
        var redact = (Tributary.Abstractions.IMessageTransform)Activator.CreateInstance(plugin.GetType("Redact")!)!;

        Assert.Null(redact.Transform(new Tributary.Abstractions.TransformMessage { Key = "secret"u8.ToArray(), Value = "x"u8.ToArray() }));
        var kept = redact.Transform(new Tributary.Abstractions.TransformMessage { Key = "k"u8.ToArray(), Value = "my password"u8.ToArray() });
        Assert.Equal("my ********", kept!.ValueText);
    }

    [Fact]
    public async Task Cli_reference_shell_session_works_as_pasted()
    {
        var result = await Shell.RunAsync(Markdown.Blocks("docs/cli.md", "bash"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("""{"id":1,"size":"large"}""", result.Stdout.Split('\n'));
        Assert.Contains("""key":"alice","payload":"{\"plan\":\"pro\"}"}""", result.Stdout); // the -J example, escaped as shown
        Assert.Contains("Metadata for orders", result.Stdout);
        Assert.Contains("seq=3", result.Stdout.Split('\n'));
        Assert.Matches(@"users \[0\] offset -?\d+", result.Stdout);
        Assert.Contains("written before the crash", result.Stdout.Split('\n')); // read back from --data-dir after kill -9
    }
}
