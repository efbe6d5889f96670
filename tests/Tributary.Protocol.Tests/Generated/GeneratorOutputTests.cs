using Tributary.ProtocolGen;
using Xunit.Abstractions;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>The committed Generated folder is exactly what the generator makes from the Kafka definitions.</summary>
public class GeneratorOutputTests(ITestOutputHelper output)
{
    [Fact]
    public void Committed_generated_code_matches_the_generator_output_when_kafka_definitions_are_present() =>
        CheckCommitted(RepositoryLayout.DefinitionsDirectory, RepositoryLayout.GeneratedDirectory, ProtocolGenerator.Generate);

    [Fact]
    public void Committed_internal_record_classes_match_the_generator_output_when_kafka_definitions_are_present() =>
        CheckCommitted(RepositoryLayout.InternalDefinitionsDirectory, RepositoryLayout.InternalGeneratedDirectory, ProtocolGenerator.GenerateInternalRecords);

    private void CheckCommitted(Func<string, string> definitionsOf, Func<string, string> committedOf, Func<IReadOnlyList<string>, IReadOnlyList<GeneratedFile>> generate)
    {
        var root = RepositoryLayout.FindRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root (Tributary.slnx) not found above the test assembly.");
        var definitions = definitionsOf(root);
        if (!Directory.Exists(definitions))
        {
            // Not a failure: the definitions are a sibling of the repository, absent on machines that only build it.
            output.WriteLine($"NOT CHECKED: the Kafka definitions folder {definitions} is absent, so the generator could not be compared.");
            return;
        }

        var inputs = RepositoryLayout.ExpandInputs([definitions]);
        var temp = Directory.CreateTempSubdirectory("tributary-protocolgen-");
        try
        {
            GeneratedOutput.Write(temp.FullName, generate(inputs));
            var expected = Directory.GetFiles(temp.FullName).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            var committedDirectory = committedOf(root);
            var committed = Directory.GetFiles(committedDirectory, "*" + GeneratedOutput.Suffix).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, committed);
            foreach (var name in expected)
            {
                Assert.True(
                    File.ReadAllText(Path.Combine(temp.FullName, name!)) == File.ReadAllText(Path.Combine(committedDirectory, name!)),
                    $"{name} differs from the generator output: run `dotnet run --project tools/Tributary.ProtocolGen` and commit.");
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_generator_is_deterministic_when_kafka_definitions_are_present()
    {
        var root = RepositoryLayout.FindRoot(AppContext.BaseDirectory)!;
        var definitions = RepositoryLayout.DefinitionsDirectory(root);
        if (!Directory.Exists(definitions))
        {
            output.WriteLine($"NOT CHECKED: the Kafka definitions folder {definitions} is absent.");
            return;
        }
        var inputs = RepositoryLayout.ExpandInputs([definitions]);
        Assert.Equal(ProtocolGenerator.Generate(inputs), ProtocolGenerator.Generate(inputs.Reverse()));
    }
}
