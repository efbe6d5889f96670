namespace Tributary.ProtocolGen;

/// <summary>Where the definitions and the generated code live, relative to the repository root.</summary>
public static class RepositoryLayout
{
    /// <summary>The solution file that marks the repository root.</summary>
    public const string SolutionFile = "Tributary.slnx";

    /// <summary>Walks up from <paramref name="start"/> to the folder holding <see cref="SolutionFile"/>, or null.</summary>
    public static string? FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile))) return directory.FullName;
        }
        return null;
    }

    /// <summary>The Kafka JSON definitions: a sibling of the repository, not part of it.</summary>
    public static string DefinitionsDirectory(string root) =>
        Path.GetFullPath(Path.Combine(root, "..", "shared", "kafka-protocol", "message"));

    /// <summary>Kafka's definitions of the records its coordinators write to the internal topics.</summary>
    public static string InternalDefinitionsDirectory(string root) =>
        Path.GetFullPath(Path.Combine(root, "..", "shared", "kafka-protocol", "internal"));

    /// <summary>The folder the generated internal-topic record classes are committed in.</summary>
    public static string InternalGeneratedDirectory(string root) => Path.Combine(GeneratedDirectory(root), "Internal");

    /// <summary>The folder the generated C# is committed in.</summary>
    public static string GeneratedDirectory(string root) =>
        Path.Combine(root, "src", "Tributary.Protocol", "Generated");

    /// <summary>Expands directories to the *.json files they hold; files are taken as given.</summary>
    public static IReadOnlyList<string> ExpandInputs(IEnumerable<string> inputs) =>
        inputs.SelectMany(input => Directory.Exists(input) ? Directory.GetFiles(input, "*.json") : [input])
            .Select(Path.GetFullPath)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
}
