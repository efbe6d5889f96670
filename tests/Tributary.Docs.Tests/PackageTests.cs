using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Confluent.Kafka;

namespace Tributary.Docs.Tests;

/// <summary>
/// The packages work as README.md's "Install from packages" says: a project outside the repository restores them and
/// runs the quickstart against the embedded cluster, and the tool installs and starts a broker.
/// </summary>
public sealed class PackageTests(PackagedTributary packages) : IClassFixture<PackagedTributary>
{
    [Fact]
    public void Every_library_package_carries_its_readme_license_xml_docs_and_a_symbol_package()
    {
        foreach (var id in PackagedTributary.Libraries)
        {
            using var package = ZipFile.OpenRead(PackagePath(id, "nupkg"));
            var metadata = Metadata(package, id);
            Assert.Equal("Apache-2.0", Element(metadata, "license").Value);
            Assert.Contains("Apache License", Read(package, "LICENSE"));
            Assert.Equal("README.md", Element(metadata, "readme").Value);
            Assert.Contains($"# {id}", Read(package, "README.md"));
            Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.dll"));
            Assert.Contains("<member name=", Read(package, $"lib/net10.0/{id}.xml"));
            using var symbols = ZipFile.OpenRead(PackagePath(id, "snupkg"));
            Assert.NotNull(symbols.GetEntry($"lib/net10.0/{id}.pdb"));
        }
    }

    [Fact]
    public void The_command_line_is_a_tool_package_whose_command_is_tributary()
    {
        using var package = ZipFile.OpenRead(PackagePath(PackagedTributary.Tool, "nupkg"));

        var settings = XDocument.Parse(Read(package, "tools/net10.0/any/DotnetToolSettings.xml"));
        var command = settings.Descendants("Command").Single();
        Assert.Equal("tributary", command.Attribute("Name")!.Value);
        Assert.Equal("tributary.dll", command.Attribute("EntryPoint")!.Value);
        Assert.Contains(Element(Metadata(package, PackagedTributary.Tool), "packageTypes").Elements(), type => type.Attribute("name")?.Value == "DotnetTool");
        Assert.NotNull(package.GetEntry("tools/net10.0/any/runtimes/linux-x64/native/librdkafka.so"));
    }

    [Fact]
    public async Task A_project_outside_the_repository_restores_the_packages_and_runs_the_quickstart()
    {
        var project = Directory.CreateDirectory(Path.Combine(packages.Root.FullName, "quickstart")).FullName;
        await File.WriteAllTextAsync(Path.Combine(project, "Quickstart.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestoreConfigFile>{packages.NuGetConfig}</RestoreConfigFile>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Tributary.Streams" Version="{packages.Version}" />
                <PackageReference Include="Tributary.Broker" Version="{packages.Version}" />
              </ItemGroup>
            </Project>
            """);
        var csharp = Markdown.Blocks("README.md", "csharp");
        var steps = new[] { "Quickstart", "1. Produce with the Kafka sink", "2. Consume with the Kafka source, committing offsets", "3. Consume, transform and produce exactly-once" };
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), string.Join("\n", steps.Select(step => csharp.Single(b => b.Heading == step).Code)));

        var build = await PackagedTributary.DotnetAsync(project, "build", "-c", "Release", "--disable-build-servers", "-nodeReuse:false");
        Assert.True(build.ExitCode == 0, $"The project does not build from the packages:\n{build}");
        var run = await PackagedTributary.DotnetAsync(project, Path.Combine(project, "bin", "Release", "net10.0", "Quickstart.dll"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Produced 100 greetings.", run.Stdout);
        Assert.Contains("Consumed 100 greetings and committed their offsets.", run.Stdout);
        Assert.Contains("Read 100 shouted greetings.", run.Stdout);
        var lines = run.Stdout.Split('\n').ToHashSet();
        Assert.All(Enumerable.Range(1, 100), i => Assert.Contains($"key-{i}: HELLO {i}", lines));
        // Restored from the packages of this run, not from a project reference or an older package.
        Assert.True(Directory.Exists(Path.Combine(packages.Root.FullName, "global-packages", "tributary.streams", packages.Version)));
    }

    [Fact]
    public async Task The_tool_installs_into_a_tool_path_and_its_broker_answers_a_kafka_client()
    {
        var toolPath = Path.Combine(packages.Root.FullName, "tools");
        var install = await PackagedTributary.DotnetAsync(packages.Root.FullName, "tool", "install", PackagedTributary.Tool, "--tool-path", toolPath,
            "--version", packages.Version, "--configfile", packages.NuGetConfig);
        Assert.True(install.ExitCode == 0, install.ToString());

        using var broker = Process.Start(new ProcessStartInfo(Path.Combine(toolPath, "tributary"), ["broker", "--port", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            var stderr = broker.StandardError.ReadToEndAsync();
            var bootstrap = await broker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
            if (bootstrap is null) // the broker exited: its stderr is complete
                Assert.Fail($"tributary broker exited with {broker.ExitCode} before printing its bootstrap line; stderr:\n{await stderr}");
            Assert.Matches(@"^127\.0\.0\.1:\d+$", bootstrap);

            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(30));
            Assert.Equal(bootstrap, $"{metadata.Brokers.Single().Host}:{metadata.Brokers.Single().Port}");
        }
        finally
        {
            broker.Kill(entireProcessTree: true);
            await broker.WaitForExitAsync();
        }
    }

    private string PackagePath(string id, string extension)
    {
        var path = Path.Combine(packages.PackageDirectory, $"{id}.{packages.Version}.{extension}");
        Assert.True(File.Exists(path), $"dotnet pack made no {Path.GetFileName(path)}; it made: {string.Join(", ", Directory.GetFiles(packages.PackageDirectory).Select(Path.GetFileName))}");
        return path;
    }

    private static XElement Metadata(ZipArchive package, string id) =>
        XDocument.Parse(Read(package, $"{id}.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    private static XElement Element(XElement parent, string name) => parent.Elements().Single(e => e.Name.LocalName == name);

    private static string Read(ZipArchive package, string entry)
    {
        using var reader = new StreamReader((package.GetEntry(entry) ?? throw new InvalidOperationException($"The package has no {entry}.")).Open());
        return reader.ReadToEnd();
    }
}
