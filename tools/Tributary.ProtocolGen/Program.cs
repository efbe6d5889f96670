using Tributary.ProtocolGen;

// Usage: Tributary.ProtocolGen [--internal] [--output <dir>] [<definition.json | directory>...]
// Without inputs it reads ../shared/kafka-protocol/message and ../shared/kafka-protocol/internal relative to the
// repository root (the folder holding Tributary.slnx) and writes src/Tributary.Protocol/Generated and its Internal
// folder. With inputs, --internal generates internal-topic records (Kafka's "data" definitions of
// __consumer_offsets and __transaction_state) instead of protocol messages.

string? output = null;
var internalRecords = false;
var inputs = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--output" or "-o" && i + 1 < args.Length) output = args[++i];
    else if (args[i] == "--internal") internalRecords = true;
    else inputs.Add(args[i]);
}

var repositoryRoot = RepositoryLayout.FindRoot(Directory.GetCurrentDirectory()) ?? RepositoryLayout.FindRoot(AppContext.BaseDirectory);
if ((inputs.Count == 0 || output is null) && repositoryRoot is null)
{
    Console.Error.WriteLine("Cannot find the repository root (Tributary.slnx); pass the inputs and --output explicitly.");
    return 2;
}
if (inputs.Count > 0)
{
    return Run(inputs, output ?? (internalRecords ? RepositoryLayout.InternalGeneratedDirectory(repositoryRoot!) : RepositoryLayout.GeneratedDirectory(repositoryRoot!)), internalRecords);
}
var messages = Run([RepositoryLayout.DefinitionsDirectory(repositoryRoot!)], output ?? RepositoryLayout.GeneratedDirectory(repositoryRoot!), false);
return messages != 0 ? messages : Run([RepositoryLayout.InternalDefinitionsDirectory(repositoryRoot!)], RepositoryLayout.InternalGeneratedDirectory(repositoryRoot!), true);

static int Run(IReadOnlyList<string> inputs, string output, bool internalRecords)
{
    var jsonFiles = RepositoryLayout.ExpandInputs(inputs);
    if (jsonFiles.Count == 0)
    {
        Console.Error.WriteLine($"No *.json definitions found in: {string.Join(", ", inputs)}");
        return 2;
    }
    var files = internalRecords ? ProtocolGenerator.GenerateInternalRecords(jsonFiles) : ProtocolGenerator.Generate(jsonFiles);
    var (written, deleted) = GeneratedOutput.Write(output, files);
    Console.WriteLine($"{jsonFiles.Count} definitions -> {files.Count} files in {output} ({written} changed, {deleted} stale removed).");
    return 0;
}
