using System.Text;
using Tributary.ProtocolGen;

namespace Tributary.Protocol.Tests.Generated.Interop;

/// <summary>
/// Request frames captured from real clients, stored as commented hex under tests/Tributary.Protocol.Tests/Fixtures
/// so the decoding tests run without the clients. The interop tests rewrite them when
/// <see cref="CaptureVariable"/> is set to 1.
/// </summary>
internal static class FixtureFiles
{
    public const string CaptureVariable = "TRIBUTARY_CAPTURE_FIXTURES";

    public static bool CaptureRequested => Environment.GetEnvironmentVariable(CaptureVariable) == "1";

    public static string Root =>
        Path.Combine(RepositoryLayout.FindRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root not found."),
            "tests", "Tributary.Protocol.Tests", "Fixtures");

    /// <summary>Replaces the fixtures of <paramref name="client"/> with the requests of one session.</summary>
    public static void Write(string client, string capturedFrom, IReadOnlyList<CapturedRequest> requests)
    {
        var directory = Path.Combine(Root, client);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i].Decoded;
            var text = new StringBuilder()
                .Append("# Captured from ").Append(capturedFrom).Append(" by the interop tests (").Append(CaptureVariable).Append("=1).\n")
                .Append($"# {request.ApiKey} request v{request.ApiVersion}, correlation id {request.Header.CorrelationId}: the frame without its 4-byte size prefix.\n");
            foreach (var line in Convert.ToHexString(requests[i].Frame).Chunk(64)) text.Append(line).Append('\n');
            File.WriteAllText(Path.Combine(directory, $"{i + 1:00}-{request.ApiKey}-v{request.ApiVersion}.hex"), text.ToString());
        }
    }

    /// <summary>The captured frames of <paramref name="client"/>, in the order they arrived, by file name.</summary>
    public static IReadOnlyList<(string File, byte[] Frame)> Load(string client) =>
        Directory.GetFiles(Path.Combine(Root, client), "*.hex")
            .Order(StringComparer.Ordinal)
            .Select(file => (Path.GetFileName(file), Convert.FromHexString(string.Concat(
                File.ReadAllLines(file).Where(line => !line.StartsWith('#')).Select(line => line.Trim())))))
            .ToList();
}
