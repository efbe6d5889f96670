using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Tributary.Broker.Security.Sasl;

/// <summary>
/// The cluster's users: PLAIN passwords as configured (Kafka's JAAS <c>user_NAME</c> entries, fixed while running)
/// and SCRAM credentials per user and mechanism (Kafka keeps these in the cluster metadata; they change through
/// AlterUserScramCredentials).
/// </summary>
internal sealed class UserCredentials
{
    private readonly Dictionary<string, byte[]> _plainPasswordHashes;
    private readonly ConcurrentDictionary<(string User, ScramAlgorithm Algorithm), ScramCredential> _scram = new();

    /// <summary>Users with <paramref name="passwords"/> (name to password), valid for PLAIN and both SCRAM mechanisms.</summary>
    public UserCredentials(IReadOnlyDictionary<string, string> passwords)
    {
        _plainPasswordHashes = passwords.ToDictionary(p => p.Key, p => SHA256.HashData(Encoding.UTF8.GetBytes(p.Value)), StringComparer.Ordinal);
        foreach (var (user, password) in passwords) SetScramPasswords(user, password);
    }

    // A method of its own: compiling a call to RandomNumberGenerator loads System.Security.Cryptography (1.2 MB resident),
    // which a cluster without users then never needs.
    private void SetScramPasswords(string user, string password)
    {
        foreach (var algorithm in ScramAlgorithm.All)
        {
            var salt = RandomNumberGenerator.GetBytes(32);
            var iterations = ScramAlgorithm.MinIterations;
            SetScram(user, algorithm, algorithm.Credential(algorithm.SaltedPassword(password, salt, iterations), salt, iterations));
        }
    }

    /// <summary>Whether <paramref name="password"/> is <paramref name="user"/>'s PLAIN password (compared in constant time).</summary>
    public bool PlainPasswordMatches(string user, string password)
    {
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        // An unknown user is compared too, so the answer takes as long whether or not the user exists.
        var expected = _plainPasswordHashes.GetValueOrDefault(user) ?? new byte[given.Length];
        return CryptographicOperations.FixedTimeEquals(given, expected) && _plainPasswordHashes.ContainsKey(user);
    }

    /// <summary>The SCRAM credential of <paramref name="user"/> for <paramref name="algorithm"/>, or null.</summary>
    public ScramCredential? Scram(string user, ScramAlgorithm algorithm) => _scram.GetValueOrDefault((user, algorithm));

    /// <summary>Raised after a SCRAM credential was set or removed (the metadata file of a data directory keeps them).</summary>
    public event Action? Changed;

    /// <summary>Sets (adds or replaces) a SCRAM credential.</summary>
    public void SetScram(string user, ScramAlgorithm algorithm, ScramCredential credential)
    {
        _scram[(user, algorithm)] = credential;
        Changed?.Invoke();
    }

    /// <summary>Removes a SCRAM credential; false when there was none.</summary>
    public bool RemoveScram(string user, ScramAlgorithm algorithm)
    {
        var removed = _scram.TryRemove((user, algorithm), out _);
        if (removed) Changed?.Invoke();
        return removed;
    }

    /// <summary>Whether <paramref name="user"/> has a PLAIN password from the cluster's options.</summary>
    public bool IsConfigured(string user) => _plainPasswordHashes.ContainsKey(user);

    /// <summary>Every SCRAM credential, per user.</summary>
    public ILookup<string, (ScramAlgorithm Algorithm, ScramCredential Credential)> AllScram() =>
        _scram.ToLookup(e => e.Key.User, e => (e.Key.Algorithm, e.Value), StringComparer.Ordinal);
}
