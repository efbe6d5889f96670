using Tributary.ProtocolGen;

// Usage: Tributary.ProtocolGen [--output <dir>] [<definition.json | directory>...]
// Without inputs it reads ../shared/kafka-protocol/message relative to the repository root (the folder
// holding Tributary.slnx) and writes src/Tributary.Protocol/Generated.

string? output = null;
var inputs = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--output" or "-o" && i + 1 < args.Length) output = args[++i];
    else inputs.Add(args[i]);
}

var repositoryRoot = RepositoryLayout.FindRoot(Directory.GetCurrentDirectory()) ?? RepositoryLayout.FindRoot(AppContext.BaseDirectory);
if ((inputs.Count == 0 || output is null) && repositoryRoot is null)
{
    Console.Error.WriteLine("Cannot find the repository root (Tributary.slnx); pass the inputs and --output explicitly.");
    return 2;
}
if (inputs.Count == 0) inputs.Add(RepositoryLayout.DefinitionsDirectory(repositoryRoot!));
output ??= RepositoryLayout.GeneratedDirectory(repositoryRoot!);

var jsonFiles = RepositoryLayout.ExpandInputs(inputs);
if (jsonFiles.Count == 0)
{
    Console.Error.WriteLine($"No *.json definitions found in: {string.Join(", ", inputs)}");
    return 2;
}

var files = ProtocolGenerator.Generate(jsonFiles);
var (written, deleted) = GeneratedOutput.Write(output, files);
Console.WriteLine($"{jsonFiles.Count} definitions -> {files.Count} files in {output} ({written} changed, {deleted} stale removed).");
return 0;
