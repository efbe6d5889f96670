using System.Reflection;
using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>Reads any generated message type through its static Read method.</summary>
internal delegate IKafkaMessage MessageReader(ref KafkaReader reader, short version);

/// <summary>Finds the generated message classes and gives tests uniform access to them.</summary>
internal static class GeneratedMessages
{
    /// <summary>Every top-level generated message class: requests, responses, headers and data messages.</summary>
    public static IReadOnlyList<Type> All { get; } = typeof(IKafkaMessage).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsNested: false, Namespace: "Tributary.Protocol.Messages" } && typeof(IKafkaMessage).IsAssignableFrom(t))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    public static Type ByName(string name) => All.Single(t => t.Name == name);

    public static short LowestVersion(Type type) => (short)type.GetField("LowestSupportedVersion")!.GetValue(null)!;

    public static short HighestVersion(Type type) => (short)type.GetField("HighestSupportedVersion")!.GetValue(null)!;

    /// <summary>Every (message name, version) pair the codec supports, for theories.</summary>
    public static IEnumerable<object[]> AllVersions() =>
        from type in All
        from version in Enumerable.Range(LowestVersion(type), HighestVersion(type) - LowestVersion(type) + 1)
        select new object[] { type.Name, (short)version };

    public static MessageReader Reader(Type type) =>
        type.GetMethod("Read", BindingFlags.Public | BindingFlags.Static)!.CreateDelegate<MessageReader>();

    /// <summary>Whether <paramref name="version"/> of the message uses tagged fields (and compact encodings).</summary>
    public static bool IsFlexible(Type type, short version) =>
        (short)type.GetField("FirstFlexibleVersion")!.GetValue(null)! is var first && first >= 0 && version >= first;

    public static byte[] Write(IKafkaMessage message, short version)
    {
        using var buffer = new PooledBufferWriter();
        message.Write(new KafkaWriter(buffer), version);
        return buffer.ToArray();
    }

    public static IKafkaMessage Read(Type type, byte[] bytes, short version, out int consumed)
    {
        var reader = new KafkaReader(bytes);
        var message = Reader(type)(ref reader, version);
        consumed = reader.Position;
        return message;
    }
}
