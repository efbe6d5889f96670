using System.Diagnostics;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Tributary.Docs.Tests;

/// <summary>
/// Compiles documentation snippets in this process with Roslyn, as a new project would build them: with the global
/// usings of <c>dotnet new console</c> and against the Tributary assemblies and their dependencies. One compilation
/// per program, no <c>dotnet build</c>, so the documentation tests cost seconds.
/// </summary>
public static class Snippets
{
    // The implicit usings of a console or class library project (<ImplicitUsings>enable</ImplicitUsings>).
    private const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
        "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";

    // This test's own dependencies (its deps.json): the .NET libraries, Tributary, Akka, Confluent.Kafka, xunit.
    private static readonly MetadataReference[] References = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
        .ToArray();

    /// <summary>Compiles <paramref name="sources"/> into one assembly and loads it; fails the test with the compiler's errors.</summary>
    public static Assembly Compile(string name, OutputKind kind, params string[] sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Prepend(ImplicitUsings).Select(source => CSharpSyntaxTree.ParseText(source, parse));
        var compilation = CSharpCompilation.Create(name, trees, References,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(emitted.Success, $"{name} does not compile:\n{string.Join('\n', errors)}\n--- source ---\n{string.Join("\n", sources)}");
        return Assembly.Load(image.ToArray());
    }

    /// <summary>Runs a compiled program's entry point and returns what it wrote to the console.</summary>
    /// <remarks>The console is the process's: callers run one program at a time (one test collection).</remarks>
    public static async Task<string> RunAsync(Assembly program, TimeSpan timeout)
    {
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(TextWriter.Synchronized(output));
        var clock = Stopwatch.StartNew();
        try
        {
            await Task.Run(() => program.EntryPoint!.Invoke(null, [Array.Empty<string>()])).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{program.GetName().Name} did not finish within {timeout}; it printed:\n{output}");
        }
        catch (TargetInvocationException e)
        {
            Assert.Fail($"{program.GetName().Name} failed after {clock.Elapsed}: {e.InnerException}\nIt printed:\n{output}");
        }
        finally
        {
            Console.SetOut(console);
        }
        return output.ToString();
    }
}
