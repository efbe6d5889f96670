using System.Diagnostics;

namespace Tributary.Docs.Tests;

/// <summary>
/// The shipped projects packed once for a test class, as <c>dotnet pack Tributary.slnx</c> makes them, into a fresh
/// directory outside the repository with a nuget.config that adds them to the machine's own package sources.
/// </summary>
/// <remarks>
/// The packages get a version of their own (<c>0.1.0-test.*</c>) and restore into a global packages folder of their
/// own, which falls back on the machine's for every other package: a run never reads a package an earlier run left,
/// and never downloads what the machine already has. The projects are packed as built (<c>--no-build</c>): a
/// different version would otherwise rebuild every assembly under the other test projects' feet.
/// </remarks>
public sealed class PackagedTributary : IAsyncLifetime
{
    /// <summary>The packages this repository ships.</summary>
    public static readonly string[] Libraries =
        ["Tributary.Protocol", "Tributary.Broker", "Tributary.Streams", "Tributary.Testing", "Tributary.Testing.XunitV3", "Tributary.Abstractions", "Tributary.Hosting",
            "Tributary.Akka.Hosting", "Tributary.Aspire.Hosting"];

    /// <summary>The command line's tool package.</summary>
    public const string Tool = "Tributary.Cli";

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    /// <summary>The directory holding the packages, the nuget.config and the projects the tests make.</summary>
    public DirectoryInfo Root { get; } = Directory.CreateTempSubdirectory("tributary-packages-");

    /// <summary>The version the packages were given.</summary>
    public string Version { get; } = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    /// <summary>Where the packages are.</summary>
    public string PackageDirectory => Path.Combine(Root.FullName, "packages");

    /// <summary>The nuget.config every command of the tests uses.</summary>
    public string NuGetConfig => Path.Combine(Root.FullName, "nuget.config");

    /// <summary>The configuration the tests run in (the packed assemblies are those built for it).</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var pack = await DotnetAsync(Markdown.RepositoryRoot, "pack", Path.Combine(Markdown.RepositoryRoot, "Tributary.slnx"), "-c", Configuration,
            "--no-build", "-o", PackageDirectory, $"-p:Version={Version}");
        Assert.True(pack.ExitCode == 0, $"dotnet pack failed:\n{pack}");
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // No <clear/>: the machine's own sources (its user-level nuget.config) stay, as in a user's project.
        await File.WriteAllTextAsync(NuGetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Root.FullName, "global-packages")}" />
              </config>
              <packageSources>
                <add key="tributary" value="{PackageDirectory}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{userPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        Root.Delete(recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="directory"/> without build servers
    /// (a compiler server left running would hold the output pipes open and outlive the test).
    /// </summary>
    public static async Task<ShellResult> DotnetAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = directory };
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(start, Patience, $"dotnet {string.Join(' ', arguments)}");
        return new ShellResult(exitCode, stdout, stderr);
    }
}
