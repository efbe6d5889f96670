using System.Reflection;
using System.Runtime.Loader;
using Tributary.Abstractions;
using Tributary.Cli.Common;

namespace Tributary.Cli.Pipe;

/// <summary>
/// Loads an <see cref="IMessageTransform"/> from a plug-in assembly given by path, in its own
/// <see cref="AssemblyLoadContext"/>: the plug-in's dependencies come from its folder (its .deps.json), while
/// Tributary.Abstractions is shared with the host so the interface is the same type on both sides.
/// </summary>
internal static class TransformPlugin
{
    /// <param name="path">The plug-in assembly (.dll).</param>
    /// <param name="typeName">The class to use (full or short name) when the assembly has several transforms.</param>
    /// <exception cref="UserErrorException">The file is missing or not an assembly, or no single transform class is found.</exception>
    public static IMessageTransform Load(string path, string? typeName)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new UserErrorException($"plug-in not found: {fullPath}");
        Assembly assembly;
        try
        {
            assembly = new PluginLoadContext(fullPath).LoadFromAssemblyPath(fullPath);
        }
        catch (BadImageFormatException)
        {
            throw new UserErrorException($"plug-in {fullPath} is not a .NET assembly");
        }
        var candidates = assembly.GetExportedTypes()
            .Where(t => typeof(IMessageTransform).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) is not null)
            .Where(t => typeName is null || t.FullName == typeName || t.Name == typeName)
            .ToList();
        var type = candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new UserErrorException($"plug-in {fullPath} has no public {nameof(IMessageTransform)} class with a parameterless constructor{(typeName is null ? "" : $" named {typeName}")}"),
            _ => throw new UserErrorException($"plug-in {fullPath} has several transforms ({string.Join(", ", candidates.Select(c => c.FullName))}); choose one with --plugin-type"),
        };
        try
        {
            return (IMessageTransform)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException e)
        {
            throw new UserErrorException($"plug-in transform {type.FullName} failed to start: {e.InnerException?.Message}");
        }
    }

    private sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext($"tributary-plugin:{Path.GetFileName(pluginPath)}")
    {
        private static readonly string SharedContract = typeof(IMessageTransform).Assembly.GetName().Name!;
        private readonly AssemblyDependencyResolver _resolver = new(pluginPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name == SharedContract || _resolver.ResolveAssemblyToPath(assemblyName) is not { } path
                ? null // the host's copy
                : LoadFromAssemblyPath(path);

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
            _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}
