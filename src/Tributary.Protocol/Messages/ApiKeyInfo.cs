namespace Tributary.Protocol.Messages;

/// <summary>Reads a request body of one API in the given version.</summary>
public delegate IKafkaRequest RequestReader(ref KafkaReader reader, short version);

/// <summary>Reads a response body of one API in the given version.</summary>
public delegate IKafkaResponse ResponseReader(ref KafkaReader reader, short version);

/// <summary>What the codec knows about one API.</summary>
/// <param name="Key">The API key.</param>
/// <param name="Name">The API name, e.g. "Produce".</param>
/// <param name="MinVersion">The oldest version the codec supports.</param>
/// <param name="MaxVersion">The newest version the codec supports (an unreleased version is left out).</param>
/// <param name="FirstFlexibleVersion">The first flexible version, or -1 when no supported version is flexible.</param>
/// <param name="RequestType">The generated request class.</param>
/// <param name="ResponseType">The generated response class.</param>
/// <param name="ReadRequest">Reads a request body.</param>
/// <param name="ReadResponse">Reads a response body.</param>
public sealed record ApiKeyInfo(
    ApiKey Key,
    string Name,
    short MinVersion,
    short MaxVersion,
    short FirstFlexibleVersion,
    Type RequestType,
    Type ResponseType,
    RequestReader ReadRequest,
    ResponseReader ReadResponse)
{
    /// <summary>True when <paramref name="version"/> is between <see cref="MinVersion"/> and <see cref="MaxVersion"/>.</summary>
    public bool Supports(short version) => version >= MinVersion && version <= MaxVersion;

    /// <summary>True when <paramref name="version"/> uses compact encodings and tagged fields.</summary>
    public bool IsFlexible(short version) => FirstFlexibleVersion >= 0 && version >= FirstFlexibleVersion;
}
