using Tributary.Protocol.Messages;

namespace Tributary.Protocol.Tests.Generated;

/// <summary>
/// Every generated message in every supported version: random values written, read back and written again must
/// give equal values and identical bytes, with every byte consumed.
/// </summary>
public class RoundTripTests
{
    /// <summary>Large arrays cost the most and vary the least, so they get one seed.</summary>
    private static int SeedsFor(MessageShape shape) => shape == MessageShape.LargeArrays ? 1 : 3;

    public static IEnumerable<object[]> AllVersions() => GeneratedMessages.AllVersions();

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Random_messages_round_trip(string messageName, short version)
    {
        var type = GeneratedMessages.ByName(messageName);
        var flexible = GeneratedMessages.IsFlexible(type, version);
        foreach (var shape in Enum.GetValues<MessageShape>())
        {
            for (var seed = 0; seed < SeedsFor(shape); seed++)
            {
                var original = new RandomMessageFactory(HashCode.Combine(messageName, version, shape, seed), version, flexible, shape).Create(type);
                AssertRoundTrip(type, original, version, $"{messageName} v{version} {shape} seed {seed}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllVersions))]
    public void Default_messages_round_trip(string messageName, short version)
    {
        var type = GeneratedMessages.ByName(messageName);
        AssertRoundTrip(type, (IKafkaMessage)Activator.CreateInstance(type)!, version, $"{messageName} v{version} default");
    }

    private static void AssertRoundTrip(Type type, IKafkaMessage original, short version, string label)
    {
        var bytes = GeneratedMessages.Write(original, version);
        var read = GeneratedMessages.Read(type, bytes, version, out var consumed);
        Assert.True(consumed == bytes.Length, $"{label}: read {consumed} of {bytes.Length} bytes");
        Assert.True(original.Equals(read), $"{label}: the value read differs from the value written");
        Assert.True(bytes.AsSpan().SequenceEqual(GeneratedMessages.Write(read, version)), $"{label}: writing the value read gave different bytes");
    }
}
