using System.Text;
using Tributary.Broker.Security.Sasl;

namespace Tributary.Broker.Tests.Security;

/// <summary>The SCRAM key derivations against the test vector of RFC 7677 (SCRAM-SHA-256).</summary>
public class ScramAlgorithmTests
{
    [Fact]
    public void The_derived_keys_give_the_rfc_7677_proof_and_server_signature()
    {
        var algorithm = ScramAlgorithm.Sha256;
        var salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");
        var credential = algorithm.Credential(algorithm.SaltedPassword("pencil", salt, 4096), salt, 4096);
        var authMessage = Encoding.UTF8.GetBytes(
            "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
            + "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");

        var proof = Convert.FromBase64String("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
        var clientSignature = algorithm.Hmac(credential.StoredKey, authMessage);
        var clientKey = proof.Zip(clientSignature, (p, s) => (byte)(p ^ s)).ToArray();
        Assert.Equal(credential.StoredKey, algorithm.HashOf(clientKey));
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Convert.ToBase64String(algorithm.Hmac(credential.ServerKey, authMessage)));
    }

    [Fact]
    public void Scram_sha_512_keys_are_64_bytes()
    {
        var salt = new byte[16];
        var credential = ScramAlgorithm.Sha512.Credential(ScramAlgorithm.Sha512.SaltedPassword("pw", salt, 4096), salt, 4096);
        Assert.Equal(64, credential.StoredKey.Length);
        Assert.Equal(64, credential.ServerKey.Length);
    }
}
