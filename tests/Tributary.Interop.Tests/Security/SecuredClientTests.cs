using Tributary.Broker;
using Tributary.Broker.Security.Tls;
using Tributary.Interop.Tests.Drivers;

namespace Tributary.Interop.Tests.Security;

/// <summary>How a client connects in these tests.</summary>
public enum Connection
{
    /// <summary>SASL_SSL with SCRAM-SHA-512, trusting the cluster's generated CA.</summary>
    SaslSslScramSha512,

    /// <summary>SASL_PLAINTEXT with PLAIN.</summary>
    SaslPlaintextPlain,

    /// <summary>SSL with a client certificate signed by the cluster's CA (the listener requires one).</summary>
    SslClientCertificate,

    /// <summary>SASL_PLAINTEXT with OAUTHBEARER and an unsecured JWS token.</summary>
    OAuthBearer,
}

/// <summary>
/// One cluster with every kind of listener for all the secured-client tests, and the files clients read: the
/// cluster's CA and a client certificate (CN=carol) with its key.
/// </summary>
public sealed class SecuredClusterFixture : IAsyncLifetime
{
    public const string User = "alice";
    public const string Password = "alice-secret";
    private readonly string _directory = Directory.CreateTempSubdirectory("tributary-interop-tls-").FullName;

    public EmbeddedKafkaCluster Cluster { get; private set; } = null!;

    public string CaFile => Path.Combine(_directory, "ca.pem");
    public string CertificateFile => Path.Combine(_directory, "carol.pem");
    public string KeyFile => Path.Combine(_directory, "carol.key");

    public async Task InitializeAsync()
    {
        Cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 2,
            AutoCreateTopics = false,
            Listeners =
            [
                new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.SaslSsl),
                new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext), new ListenerOptions(KafkaSecurityProtocol.Ssl),
            ],
            Users = new Dictionary<string, string> { [User] = Password },
            Tls = new TlsOptions { ClientAuthentication = TlsClientAuthentication.Required },
            OAuthBearerUnsecured = true,
        });
        Cluster.CertificateAuthority!.WriteCertificatePem(CaFile);
        using var carol = Cluster.CertificateAuthority.IssueClientCertificate("CN=carol");
        await File.WriteAllTextAsync(CertificateFile, carol.ExportCertificatePem());
        await File.WriteAllTextAsync(KeyFile, CertificateAuthority.PrivateKeyPem(carol));
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public string Bootstrap(Connection connection) => Cluster.GetBootstrapServers(connection switch
    {
        Connection.SaslSslScramSha512 => "SASL_SSL",
        Connection.SslClientCertificate => "SSL",
        _ => "SASL_PLAINTEXT",
    });

    /// <summary>The driver of <paramref name="client"/> set up to connect as <paramref name="connection"/> says (with <paramref name="password"/>).</summary>
    public IClientDriver Driver(string client, Connection connection, string password = Password)
    {
        var label = $"{client} {connection}";
        var settings = Settings(connection, password);
        return client switch
        {
            "kcat" => new KcatDriver(label, [.. settings.Select(s => $"{s.Property}={s.Value}"), "message.timeout.ms=20000"]),
            "confluent-kafka-python" => new ScriptDriver(label, "/usr/bin/python3", "python/confluent_kafka_client.py",
                [.. settings.SelectMany(s => new[] { "--property", $"{s.Property}={s.Value}" })]),
            "kafka-python" => ScriptDriver.KafkaPython.With(label, ScriptFlags(connection, password)),
            "kafkajs" => ScriptDriver.KafkaJs.With(label, [.. ScriptFlags(connection, password), "--retries", "1"]),
            _ => throw new ArgumentException(client, nameof(client)),
        };
    }

    /// <summary>librdkafka properties (kcat, confluent-kafka-python).</summary>
    private IEnumerable<(string Property, string Value)> Settings(Connection connection, string password) => connection switch
    {
        Connection.SaslSslScramSha512 =>
            [("security.protocol", "SASL_SSL"), ("sasl.mechanism", "SCRAM-SHA-512"), ("sasl.username", User), ("sasl.password", password), ("ssl.ca.location", CaFile)],
        Connection.SaslPlaintextPlain => [("security.protocol", "SASL_PLAINTEXT"), ("sasl.mechanism", "PLAIN"), ("sasl.username", User), ("sasl.password", password)],
        Connection.SslClientCertificate =>
            [("security.protocol", "SSL"), ("ssl.ca.location", CaFile), ("ssl.certificate.location", CertificateFile), ("ssl.key.location", KeyFile)],
        _ => [("security.protocol", "SASL_PLAINTEXT"), ("sasl.mechanism", "OAUTHBEARER"), ("enable.sasl.oauthbearer.unsecure.jwt", "true"), ("sasl.oauthbearer.config", $"principal={User}")],
    };

    /// <summary>The flags of our kafka-python and kafkajs scripts.</summary>
    private string[] ScriptFlags(Connection connection, string password) => connection switch
    {
        Connection.SaslSslScramSha512 =>
            ["--security-protocol", "SASL_SSL", "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-username", User, "--sasl-password", password, "--ssl-cafile", CaFile],
        Connection.SaslPlaintextPlain => ["--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "PLAIN", "--sasl-username", User, "--sasl-password", password],
        Connection.SslClientCertificate =>
            ["--security-protocol", "SSL", "--ssl-cafile", CaFile, "--ssl-certfile", CertificateFile, "--ssl-keyfile", KeyFile],
        _ => ["--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "OAUTHBEARER", "--oauth-principal", User],
    };
}

/// <summary>
/// kcat, kafka-python 2.0.2, kafkajs and confluent-kafka-python (the last two and kcat on librdkafka 2.0.2) over
/// SASL_SSL with SCRAM-SHA-512, SASL_PLAINTEXT with PLAIN, SSL with a client certificate and OAUTHBEARER: each
/// produces and consumes in a group; a wrong password ends with the client's own authentication error.
/// Confluent.Kafka does the same in Tributary.Broker.Tests (Security/ClientConfigTests).
/// </summary>
public sealed class SecuredClientTests(SecuredClusterFixture fixture) : IClassFixture<SecuredClusterFixture>
{
    public static TheoryData<string, Connection> Pairs()
    {
        var data = new TheoryData<string, Connection>();
        foreach (var client in new[] { "kcat", "kafka-python", "kafkajs", "confluent-kafka-python" })
        {
            foreach (var connection in Enum.GetValues<Connection>()) data.Add(client, connection);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task The_client_produces_and_consumes_in_a_group(string client, Connection connection)
    {
        var topic = $"secured-{Guid.NewGuid():N}";
        await fixture.Cluster.CreateTopicAsync(topic, partitions: 2);
        var driver = fixture.Driver(client, connection);
        var bootstrap = fixture.Bootstrap(connection);

        await driver.ProduceAsync(bootstrap, topic, 0, 20);
        var consumed = await driver.ConsumeAsync(bootstrap, topic, $"group-{Guid.NewGuid():N}", expected: 20, commit: true, TimeSpan.Zero);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"value-{i}").Order(), consumed.Records.Select(r => r.Value).Order());
    }

    [Theory]
    [InlineData("kcat", Connection.SaslSslScramSha512, "Authentication failed")]
    [InlineData("kcat", Connection.SaslPlaintextPlain, "Invalid username or password")]
    [InlineData("confluent-kafka-python", Connection.SaslSslScramSha512, "Authentication failed")]
    [InlineData("confluent-kafka-python", Connection.SaslPlaintextPlain, "Invalid username or password")]
    [InlineData("kafkajs", Connection.SaslSslScramSha512, "KafkaJSSASLAuthenticationError")]
    [InlineData("kafkajs", Connection.SaslPlaintextPlain, "KafkaJSSASLAuthenticationError")]
    [InlineData("kafka-python", Connection.SaslSslScramSha512, "NoBrokersAvailable")]
    [InlineData("kafka-python", Connection.SaslPlaintextPlain, "NoBrokersAvailable")]
    public async Task A_wrong_password_fails_with_the_clients_own_error(string client, Connection connection, string error)
    {
        var topic = $"refused-{Guid.NewGuid():N}";
        await fixture.Cluster.CreateTopicAsync(topic);
        var driver = fixture.Driver(client, connection, password: "wrong");

        var failure = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => driver.ProduceAsync(fixture.Bootstrap(connection), topic, 0, 1));

        Assert.Contains(error, failure.Message);
    }
}
