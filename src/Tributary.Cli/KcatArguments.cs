using Tributary.Cli.Common;

namespace Tributary.Cli;

/// <summary>
/// Lets a kcat command line work with <c>tributary</c> in front of it. kcat chooses its mode with a flag
/// (<c>-P</c> produce, <c>-C</c> consume, <c>-L</c> metadata list, <c>-Q</c> query offsets, <c>-G group topic...</c>
/// balanced consumer) and takes its options in any order; this rewrites such a line into the matching command
/// (<c>produce</c>, <c>consume</c>, <c>metadata</c>, <c>offsets</c>). Options that come before a command name
/// (<c>tributary -b host:9092 topics list</c>) are moved after it. kcat options without an equivalent are refused in
/// one line rather than ignored.
/// </summary>
internal static class KcatArguments
{
    private static readonly Dictionary<string, string> Modes = new() { ["-P"] = "produce", ["-C"] = "consume", ["-L"] = "metadata", ["-Q"] = "offsets" };

    // kcat options followed by a value, so that values are not taken for topics, files or command names.
    private static readonly HashSet<string> TakesValue = ["-b", "-t", "-p", "-o", "-c", "-f", "-K", "-k", "-D", "-X", "-G", "-H", "-m", "-z", "-d", "-F", "-s", "-r", "-S"];

    // Verbosity and buffering switches: the commands print only what was asked for and flush whenever they are idle.
    private static readonly HashSet<string> Ignored = ["-q", "-u", "-v"];

    private static readonly Dictionary<string, string> Unsupported = new()
    {
        ["-F"] = "a configuration file (give its properties with -X)",
        ["-T"] = "tee mode",
        ["-Z"] = "empty messages as null",
        ["-E"] = "continuing after errors",
        ["-s"] = "schema-registry deserializers",
        ["-r"] = "schema-registry deserializers",
        ["-S"] = "schema-registry deserializers",
    };

    /// <summary>The arguments for the command parser: unchanged unless they are a kcat-style line or start with options.</summary>
    /// <param name="args">The process's arguments.</param>
    /// <param name="commands">The names of the top-level commands.</param>
    /// <exception cref="UserErrorException">A kcat option that <c>tributary</c> does not support.</exception>
    public static string[] Translate(string[] args, IReadOnlySet<string> commands)
    {
        if (args.Length == 0 || commands.Contains(args[0]) || !args[0].StartsWith('-') || args[0] is "-h" or "-?" or "--help" or "--version")
            return args;
        for (var i = 0; i < args.Length; i++)
        {
            if (commands.Contains(args[i]))
                return [.. args[i..], .. args[..i]]; // options first, then the command: move the options after it
            if (TakesValue.Contains(args[i]))
                i++;
        }
        var mode = args.FirstOrDefault(Modes.ContainsKey) is { } flag ? Modes[flag] : args.Contains("-G") ? "consume" : null;
        return mode is null ? args : Rewrite(args, mode);
    }

    private static string[] Rewrite(string[] args, string command)
    {
        var rewritten = new List<string> { command };
        var fileMode = false;
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var value = TakesValue.Contains(arg) && i + 1 < args.Length ? args[++i] : null;
            switch (arg)
            {
                case "-P" or "-C" or "-L" or "-Q":
                    break;
                case var ignored when Ignored.Contains(ignored):
                    break;
                case var unsupported when Unsupported.TryGetValue(unsupported, out var what):
                    throw new UserErrorException($"kcat option {unsupported} ({what}) is not supported; see docs/cli.md");
                case "-l":
                    fileMode = true;
                    break;
                case "-D" when value is "\\n" or "\n":
                    break; // kcat's default message delimiter, the only one supported
                case "-D":
                    throw new UserErrorException($"kcat option -D '{value}' is not supported: messages are lines");
                case "-z":
                    rewritten.AddRange(["-X", $"compression.codec={value}"]);
                    break;
                case "-d":
                    rewritten.AddRange(["-X", $"debug={value}"]);
                    break;
                case "-m":
                    rewritten.AddRange(["--timeout", value!]);
                    break;
                case "-J" when command == "metadata":
                    throw new UserErrorException("kcat option -J with -L (metadata as JSON) is not supported");
                case var option when option.StartsWith('-'):
                    rewritten.Add(option);
                    if (value is not null)
                        rewritten.Add(value);
                    break;
                default:
                    positional.Add(arg);
                    break;
            }
        }
        switch (command)
        {
            case "consume" when positional.Count == 1:
                rewritten.AddRange(["-t", positional[0]]); // kcat -G group topic
                break;
            case "consume" when positional.Count > 1:
                throw new UserErrorException($"one topic at a time: {string.Join(' ', positional)}");
            case "produce" when fileMode && positional.Count == 1:
                rewritten.AddRange(["--file", positional[0]]);
                break;
            case "produce" when positional.Count > 0:
                throw new UserErrorException(fileMode ? "-l takes one file" : "files sent whole as one message each are not supported; use -l FILE to send a file's lines");
            case "produce" or "consume":
                break;
            default:
                if (positional.Count > 0)
                    throw new UserErrorException($"unexpected argument '{positional[0]}'");
                break;
        }
        return [.. rewritten];
    }
}
