using Confluent.Kafka;
using Tributary.Broker.Security.Tls;

namespace Tributary.Broker.Tests.Security;

/// <summary>A broker certificate and key from PEM files (as <c>tributary broker --tls-cert --tls-key</c> gives them).</summary>
public class TlsFromFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tributary-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_broker_certificate_from_pem_files_serves_clients_that_trust_its_authority()
    {
        using var authority = CertificateAuthority.Create();
        using var broker = authority.IssueServerCertificate();
        var caFile = Write("ca.pem", authority.CertificatePem);
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Listeners = [new ListenerOptions(KafkaSecurityProtocol.Ssl)],
            Tls = new TlsOptions
            {
                CertificatePemFile = Write("broker.pem", broker.ExportCertificatePem()),
                PrivateKeyPemFile = Write("broker.key", CertificateAuthority.PrivateKeyPem(broker)),
            },
        });
        Assert.Null(cluster.CertificateAuthority);

        var config = new ClientConfig { BootstrapServers = cluster.BootstrapServers, SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = caFile };
        using var admin = new AdminClientBuilder(new AdminClientConfig(config)).Build();
        Assert.Single(admin.GetMetadata(TimeSpan.FromSeconds(30)).Brokers);
    }

    [Fact]
    public async Task A_missing_key_file_is_refused_at_start()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Listeners = [new ListenerOptions(KafkaSecurityProtocol.Ssl)],
            Tls = new TlsOptions { CertificatePemFile = Path.Combine(_directory, "none.pem"), PrivateKeyPemFile = Path.Combine(_directory, "none.key") },
        }));
        Assert.Contains("none.pem", error.Message);
    }
}
