using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Tributary.Broker.Log.Storage;

/// <summary>
/// Kafka's checkpoint files (leader-epoch-checkpoint and the like): a version line (0), a count line, then one entry
/// per line. Written as Kafka writes them: to a temporary file, forced to disk, then renamed over the old one, so a
/// reader finds either the old or the new content, never half of one.
/// </summary>
internal static class CheckpointFile
{
    /// <summary>The content of a version 0 checkpoint holding <paramref name="entries"/>.</summary>
    public static string Format(IReadOnlyList<string> entries)
    {
        var text = new StringBuilder().Append("0\n").Append(entries.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var entry in entries) text.Append(entry).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="content"/> atomically (temporary file, fsync, rename);
    /// without <paramref name="forceToDisk"/> the fsync is left to <see cref="ForceToDiskQuietly"/>.
    /// </summary>
    public static void Write(string path, string content, bool forceToDisk = true)
    {
        var temporary = path + ".tmp";
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write))
        {
            RandomAccess.Write(handle, Encoding.UTF8.GetBytes(content), 0);
            if (forceToDisk) RandomAccess.FlushToDisk(handle);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Forces <paramref name="path"/> to disk; a file deleted or replaced meanwhile is no error (its successor gets its own).</summary>
    public static void ForceToDiskQuietly(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The partition's directory went (topic deleted, replica moved away) or the file is being replaced.
        }
    }

    /// <summary>The entries of a checkpoint file; none when it is missing, and none (with a warning) when it is malformed.</summary>
    public static IReadOnlyList<string> Read(string path, ILogger logger)
    {
        if (!File.Exists(path)) return [];
        var lines = File.ReadAllLines(path);
        if (lines.Length >= 2 && lines[0] == "0" && int.TryParse(lines[1], CultureInfo.InvariantCulture, out var count) && count == lines.Length - 2)
            return lines[2..];
        logger.LogWarning("Ignoring malformed checkpoint file {File}", path);
        return [];
    }
}
