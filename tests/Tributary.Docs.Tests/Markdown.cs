using System.Text.RegularExpressions;

namespace Tributary.Docs.Tests;

/// <summary>A fenced code block of a Markdown file: its language, the heading it is under, and its text.</summary>
public sealed record CodeBlock(string File, string Language, string Heading, string Code, int Line)
{
    public override string ToString() => $"{File}:{Line} ({Language} under '{Heading}')";
}

/// <summary>Reads the fenced code blocks of the repository's Markdown files.</summary>
public static partial class Markdown
{
    /// <summary>The repository's root (where Tributary.slnx is).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Every fenced block of <paramref name="relativePath"/>, in document order.</summary>
    public static IReadOnlyList<CodeBlock> Blocks(string relativePath)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot, relativePath));
        var blocks = new List<CodeBlock>();
        var heading = "";
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#'))
                heading = lines[i].TrimStart('#').Trim();
            var fence = Fence().Match(lines[i]);
            if (!fence.Success)
                continue;
            var start = i;
            var code = new List<string>();
            while (++i < lines.Length && lines[i] != "```")
                code.Add(lines[i]);
            blocks.Add(new CodeBlock(relativePath, fence.Groups[1].Value, heading, string.Join('\n', code) + "\n", start + 1));
        }
        return blocks;
    }

    /// <summary>The blocks of one language.</summary>
    public static IReadOnlyList<CodeBlock> Blocks(string relativePath, string language) =>
        Blocks(relativePath).Where(b => b.Language == language).ToList();

    [GeneratedRegex(@"^```(\w+)\s*$")]
    private static partial Regex Fence();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Tributary.slnx")))
                return directory.FullName;
        throw new InvalidOperationException($"No Tributary.slnx above {AppContext.BaseDirectory}.");
    }
}
