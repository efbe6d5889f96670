namespace Tributary.Protocol.Messages;

/// <summary>
/// A message cannot be read or written in the requested version: the version is outside the supported range,
/// or a field holds a value (non-default, or null) that the version cannot carry.
/// </summary>
public sealed class UnsupportedVersionException : KafkaProtocolException
{
    /// <summary>Creates the exception with a reason.</summary>
    public UnsupportedVersionException(string message) : base(message) { }

    /// <summary>Creates the exception for <paramref name="version"/> of <paramref name="messageName"/>, outside its range.</summary>
    public UnsupportedVersionException(string messageName, short version, short lowest, short highest)
        : base($"{messageName} version {version} is not supported (supported: {lowest} to {highest}).")
    {
        MessageName = messageName;
        Version = version;
    }

    /// <summary>The message whose version is not supported, when the version itself was the problem.</summary>
    public string? MessageName { get; }

    /// <summary>The unsupported version, when the version itself was the problem.</summary>
    public short? Version { get; }

    /// <summary>Throws unless <paramref name="version"/> is between <paramref name="lowest"/> and <paramref name="highest"/>.</summary>
    public static void ThrowIfUnsupported(string messageName, short version, short lowest, short highest)
    {
        if (version < lowest || version > highest) throw new UnsupportedVersionException(messageName, version, lowest, highest);
    }

    /// <summary>A non-ignorable field with a non-default value is written in a version that lacks the field.</summary>
    internal static UnsupportedVersionException NonDefaultField(string owner, string field, short version) =>
        new($"Cannot write {owner}.{field} with a non-default value in version {version}, which does not have that field.");

    /// <summary>A null is written in a version where the field is not nullable.</summary>
    internal static UnsupportedVersionException NullField(string owner, string field, short version) =>
        new($"Cannot write a null {owner}.{field} in version {version}, where it is not nullable.");
}
