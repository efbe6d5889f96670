using System.Reflection;
using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>How random messages are shaped.</summary>
internal enum MessageShape
{
    /// <summary>Every value present, arrays of one to three elements, unknown tags injected where flexible.</summary>
    Typical,

    /// <summary>Nulls wherever the version allows them, empty arrays, strings and byte arrays.</summary>
    NullsAndEmpties,

    /// <summary>Top-level arrays of 1000 elements (nested ones kept small), unknown tags injected where flexible.</summary>
    LargeArrays,
}

/// <summary>
/// Builds a random instance of a generated message for one version, driven by reflection over the properties and
/// their <see cref="KafkaFieldAttribute"/>: fields absent from the version keep their defaults, nulls appear only
/// where the version allows them, and tagged fields get non-default values. Seeded, so failures reproduce.
/// </summary>
internal sealed class RandomMessageFactory(int seed, short version, bool flexible, MessageShape shape)
{
    private const int LargeArrayLength = 1000;
    private const int FirstInjectedTag = 100;

    /// <summary>The Kafka fields of each generated class, looked up once: attribute reflection is slow.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (PropertyInfo Property, KafkaFieldAttribute Field)[]> FieldsByType = new();

    private readonly Random _random = new(seed);

    public IKafkaMessage Create(Type messageType) => (IKafkaMessage)CreateStruct(messageType, depth: 0);

    private object CreateStruct(Type type, int depth)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var (property, field) in FieldsByType.GetOrAdd(type, KafkaFields))
        {
            if (field.ExistsIn(version)) property.SetValue(instance, CreateValue(property.PropertyType, field.IsNullableIn(version), depth));
        }
        if (flexible && shape != MessageShape.NullsAndEmpties && _random.Next(2) == 0)
            type.GetProperty(nameof(ProduceRequest.UnknownTaggedFields))!.SetValue(instance, UnknownTags());
        return instance;
    }

    private static (PropertyInfo, KafkaFieldAttribute)[] KafkaFields(Type type) =>
        type.GetProperties()
            .Select(p => (p, p.GetCustomAttribute<KafkaFieldAttribute>()))
            .Where(pair => pair.Item2 is not null)
            .Select(pair => (pair.p, pair.Item2!))
            .ToArray();

    /// <summary>Tags far above any known tag, in ascending order, the order in which they are read back.</summary>
    private List<TaggedField> UnknownTags() =>
        Enumerable.Range(0, _random.Next(1, 3))
            .Select(i => new TaggedField(FirstInjectedTag + i * 7 + _random.Next(7), Bytes(_random.Next(0, 6))))
            .ToList();

    private object? CreateValue(Type type, bool nullable, int depth)
    {
        if (nullable && ChooseNull()) return null;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>)) return CreateList(underlying, depth);
        if (underlying == typeof(ReadOnlyMemory<byte>)) return (ReadOnlyMemory<byte>?)Bytes(Length(40));
        if (underlying == typeof(byte[])) return Bytes(Length(20));
        if (underlying == typeof(string)) return Text();
        if (underlying.IsClass) return CreateStruct(underlying, depth + 1);
        return Scalar(underlying);
    }

    private object CreateList(Type listType, int depth)
    {
        var elementType = listType.GetGenericArguments()[0];
        var count = shape switch
        {
            MessageShape.NullsAndEmpties => _random.Next(2) == 0 ? 0 : 1,
            MessageShape.LargeArrays when depth == 0 => LargeArrayLength,
            MessageShape.LargeArrays => _random.Next(0, 2),
            _ => _random.Next(1, 4),
        };
        var list = (System.Collections.IList)Activator.CreateInstance(listType, count)!;
        for (var i = 0; i < count; i++) list.Add(CreateValue(elementType, nullable: false, depth));
        return list;
    }

    private bool ChooseNull() => shape switch
    {
        MessageShape.NullsAndEmpties => _random.Next(4) != 0,
        MessageShape.Typical => _random.Next(8) == 0,
        _ => false,
    };

    private int Length(int max) => shape == MessageShape.NullsAndEmpties ? 0 : _random.Next(0, max);

    private string Text()
    {
        // Mostly ASCII with some multi-byte characters, so that byte lengths differ from character counts.
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._éü€日本";
        var length = Length(12);
        return string.Create(length, _random, (span, random) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[random.Next(alphabet.Length)];
        });
    }

    private byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private object Scalar(Type type)
    {
        // Never the CLR default, so that tagged fields (written only when not default) are exercised.
        return type switch
        {
            _ when type == typeof(bool) => true,
            _ when type == typeof(sbyte) => (sbyte)_random.Next(1, 128),
            _ when type == typeof(short) => (short)_random.Next(1, short.MaxValue),
            _ when type == typeof(ushort) => (ushort)_random.Next(1, ushort.MaxValue),
            _ when type == typeof(int) => _random.Next(1, int.MaxValue) * (_random.Next(2) == 0 ? 1 : -1),
            _ when type == typeof(long) => _random.NextInt64(1, long.MaxValue) * (_random.Next(2) == 0 ? 1 : -1),
            _ when type == typeof(double) => _random.NextDouble() * 1e6,
            _ when type == typeof(Guid) => new Guid(Bytes(16)),
            _ => throw new NotSupportedException($"No random value for {type}."),
        };
    }
}
