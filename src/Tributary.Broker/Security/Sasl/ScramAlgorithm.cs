using System.Security.Cryptography;
using System.Text;

namespace Tributary.Broker.Security.Sasl;

/// <summary>
/// The hash of a SCRAM mechanism and the key derivations of RFC 5802 built on it. SCRAM-SHA-256 works with 32-byte
/// keys, SCRAM-SHA-512 with 64-byte keys (the hash's output size).
/// </summary>
internal sealed class ScramAlgorithm
{
    /// <summary>The fewest PBKDF2 iterations Kafka accepts for a SCRAM credential.</summary>
    public const int MinIterations = 4096;

    /// <summary>The most PBKDF2 iterations Kafka accepts for a SCRAM credential.</summary>
    public const int MaxIterations = 16384;

    // The hash follows from the key length instead of being held as a HashAlgorithmName: a field of that type loads
    // System.Security.Cryptography (1.2 MB resident) when the cluster builds its SASL mechanisms, used or not.
    public static readonly ScramAlgorithm Sha256 = new(SaslMechanisms.ScramSha256, 1, 32);
    public static readonly ScramAlgorithm Sha512 = new(SaslMechanisms.ScramSha512, 2, 64);

    /// <summary>Both SCRAM mechanisms.</summary>
    public static IReadOnlyList<ScramAlgorithm> All { get; } = [Sha256, Sha512];

    private ScramAlgorithm(string mechanism, sbyte kafkaCode, int keyLength)
    {
        Mechanism = mechanism;
        KafkaCode = kafkaCode;
        KeyLength = keyLength;
    }

    /// <summary>The SASL mechanism name.</summary>
    public string Mechanism { get; }

    /// <summary>Kafka's ScramMechanism code in DescribeUserScramCredentials and AlterUserScramCredentials (1 or 2).</summary>
    public sbyte KafkaCode { get; }

    /// <summary>The hash function: SHA-256 for 32-byte keys, SHA-512 for 64-byte keys.</summary>
    public HashAlgorithmName Hash => IsSha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;

    /// <summary>The hash's output size in bytes: the length of every key and signature.</summary>
    public int KeyLength { get; }

    /// <summary>The algorithm with Kafka's code <paramref name="code"/>, or null.</summary>
    public static ScramAlgorithm? FromKafkaCode(sbyte code) => All.FirstOrDefault(a => a.KafkaCode == code);

    /// <summary>The algorithm of mechanism <paramref name="mechanism"/>, or null.</summary>
    public static ScramAlgorithm? FromMechanism(string mechanism) => All.FirstOrDefault(a => a.Mechanism == mechanism);

    /// <summary>Hi(password, salt, i) of RFC 5802: PBKDF2 with this hash's HMAC.</summary>
    public byte[] SaltedPassword(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, Hash, KeyLength);

    /// <summary>The stored credential for a salted password: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").</summary>
    public ScramCredential Credential(byte[] saltedPassword, byte[] salt, int iterations) =>
        new(salt, HashOf(Hmac(saltedPassword, "Client Key"u8)), Hmac(saltedPassword, "Server Key"u8), iterations);

    /// <summary>HMAC with this hash.</summary>
    public byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        IsSha256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    /// <summary>H() of RFC 5802.</summary>
    public byte[] HashOf(ReadOnlySpan<byte> data) => IsSha256 ? SHA256.HashData(data) : SHA512.HashData(data);

    private bool IsSha256 => KeyLength == 32;
}

/// <summary>What the broker keeps of a SCRAM password (never the password itself).</summary>
/// <param name="Salt">The salt.</param>
/// <param name="StoredKey">H(ClientKey).</param>
/// <param name="ServerKey">HMAC(SaltedPassword, "Server Key").</param>
/// <param name="Iterations">The PBKDF2 iteration count.</param>
internal sealed record ScramCredential(byte[] Salt, byte[] StoredKey, byte[] ServerKey, int Iterations);
