using System.Text;

namespace Tributary.ProtocolGen;

/// <summary>Writes generated files into their folder, touching only files whose content changed.</summary>
public static class GeneratedOutput
{
    /// <summary>The suffix of every generated file; other files in the folder are left alone.</summary>
    public const string Suffix = ".g.cs";

    /// <summary>
    /// Writes <paramref name="files"/> into <paramref name="directory"/> and deletes generated files that are no
    /// longer produced (a definition that was removed). Returns how many files were written and deleted.
    /// </summary>
    public static (int Written, int Deleted) Write(string directory, IReadOnlyList<GeneratedFile> files)
    {
        Directory.CreateDirectory(directory);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        var written = 0;
        foreach (var file in files)
        {
            var path = Path.Combine(directory, file.Name);
            if (File.Exists(path) && File.ReadAllText(path, utf8) == file.Content) continue;
            File.WriteAllText(path, file.Content, utf8);
            written++;
        }
        var produced = files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var stale = Directory.GetFiles(directory, "*" + Suffix).Where(path => !produced.Contains(Path.GetFileName(path))).ToList();
        stale.ForEach(File.Delete);
        return (written, stale.Count);
    }
}
