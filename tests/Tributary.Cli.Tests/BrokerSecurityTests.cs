using System.Diagnostics;
using Confluent.Kafka;
using Tributary.Broker.Security.Tls;

namespace Tributary.Cli.Tests;

/// <summary><c>tributary broker</c> with listeners, users and TLS, used by the command's own clients and Confluent.Kafka.</summary>
public sealed class BrokerSecurityTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("tributary-cli-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static async Task<(Process Broker, string[] Lines)> StartBrokerAsync(int listeners, params string[] args)
    {
        var broker = CliRunner.Start(null, ["broker", "--port", "0", .. args]);
        _ = broker.StandardError.ReadToEndAsync();
        var lines = new string[listeners];
        for (var i = 0; i < listeners; i++) lines[i] = (await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience))!;
        return (broker, lines);
    }

    private static async Task StopAsync(Process broker)
    {
        CliRunner.Terminate(broker);
        await broker.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
        Assert.Equal(0, broker.ExitCode);
    }

    [Fact]
    public async Task Each_listener_prints_its_bootstrap_line_and_the_clients_use_sasl_ssl_with_the_written_ca()
    {
        var ca = PathOf("ca.pem");
        var (broker, lines) = await StartBrokerAsync(3, "--brokers", "2", "--listener", "PLAINTEXT", "--listener", "SASL_SSL", "--listener", "SASL_PLAINTEXT",
            "--user", "alice:al:ice-secret", "--tls-ca-out", ca);
        try
        {
            Assert.All(lines, line => Assert.Matches(@"^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$", line));
            Assert.Equal(3, lines.Distinct().Count());
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(ca));

            string[] sasl = ["-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanism=SCRAM-SHA-512", "-X", "sasl.username=alice",
                "-X", "sasl.password=al:ice-secret", "-X", $"ssl.ca.location={ca}"];
            var topics = await CliRunner.RunAsync(lines[1], null, ["topics", "create", "secured", .. sasl]);
            Assert.True(topics.ExitCode == 0, topics.ToString());
            var produce = await CliRunner.RunAsync(lines[1], "one\ntwo\n", ["produce", "-t", "secured", .. sasl]);
            Assert.True(produce.ExitCode == 0, produce.ToString());
            var consume = await CliRunner.RunAsync(lines[2], null,
                ["consume", "-t", "secured", "-o", "beginning", "-e", "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN", "-X", "sasl.username=alice", "-X", "sasl.password=al:ice-secret"]);
            Assert.Equal(["one", "two"], consume.StdoutLines);

            var wrong = await CliRunner.RunAsync(lines[2], null, ["topics", "list", "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN", "-X", "sasl.username=alice", "-X", "sasl.password=wrong"]);
            Assert.Equal(1, wrong.ExitCode);
        }
        finally
        {
            await StopAsync(broker);
        }
    }

    [Fact]
    public async Task Ssl_listeners_with_a_client_ca_require_client_certificates_signed_by_it()
    {
        using var authority = CertificateAuthority.Create();
        using var server = authority.IssueServerCertificate();
        using var carol = authority.IssueClientCertificate("CN=carol");
        await File.WriteAllTextAsync(PathOf("ca.pem"), authority.CertificatePem);
        await File.WriteAllTextAsync(PathOf("broker.pem"), server.ExportCertificatePem());
        await File.WriteAllTextAsync(PathOf("broker.key"), CertificateAuthority.PrivateKeyPem(server));
        var (broker, lines) = await StartBrokerAsync(1, "--listener", "SSL", "--tls-cert", PathOf("broker.pem"), "--tls-key", PathOf("broker.key"),
            "--tls-client-ca", PathOf("ca.pem"));
        try
        {
            var config = new AdminClientConfig
            {
                BootstrapServers = lines[0], SecurityProtocol = SecurityProtocol.Ssl, SslCaLocation = PathOf("ca.pem"),
                SslCertificatePem = carol.ExportCertificatePem(), SslKeyPem = CertificateAuthority.PrivateKeyPem(carol),
            };
            using (var admin = new AdminClientBuilder(config).Build()) Assert.Single(admin.GetMetadata(Patience).Brokers);

            var anonymous = await CliRunner.RunAsync(lines[0], null, ["topics", "list", "-X", "security.protocol=SSL", "-X", $"ssl.ca.location={PathOf("ca.pem")}"]);
            Assert.Equal(1, anonymous.ExitCode);
        }
        finally
        {
            await StopAsync(broker);
        }
    }

    [Theory]
    [InlineData("--listener BOGUS", "is not a security protocol")]
    [InlineData("--user alice", "NAME:PASSWORD")]
    [InlineData("--user alice:a --user alice:b", "twice")]
    [InlineData("--listener SSL --tls-cert only.pem", "go together")]
    [InlineData("--tls-ca-out ca.pem", "need an SSL or SASL_SSL --listener")]
    [InlineData("--listener SSL --tls-cert missing.pem --tls-key missing.key", "No such file")]
    public async Task Bad_security_options_are_one_line_errors(string options, string message)
    {
        var result = await CliRunner.RunAsync(null, null, ["broker", "--port", "0", .. options.Split(' ')]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
