using System.Text;
using Confluent.Kafka;
using Tributary.Protocol;
using WireError = Tributary.Protocol.ErrorCode;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Security;

/// <summary>OAUTHBEARER with Kafka's unsecured JWS tokens, from librdkafka's own token maker and from raw sockets.</summary>
public class OAuthBearerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        OAuthBearerUnsecured = true,
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ClientConfig OAuth() => new()
    {
        BootstrapServers = _cluster.BootstrapServers,
        SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = SaslMechanism.OAuthBearer,
        EnableSaslOauthbearerUnsecureJwt = true,
        SaslOauthbearerConfig = "principal=alice",
    };

    /// <summary>An unsecured JWS as librdkafka writes it: {"alg":"none"}, the claims, an empty signature.</summary>
    private static string Token(string claimsJson) =>
        $"{Base64Url("""{"alg":"none"}""")}.{Base64Url(claimsJson)}.";

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    [Fact]
    public async Task Librdkafkas_unsecured_token_produces_and_consumes()
    {
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig(OAuth()) { LingerMs = 0 }).Build())
        {
            await producer.ProduceAsync("oauth", new Message<Null, string> { Value = "token" });
        }
        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig(OAuth()) { GroupId = "oauth", AutoOffsetReset = AutoOffsetReset.Earliest }).Build();
        consumer.Subscribe("oauth");
        Assert.Equal("token", consumer.Consume(Timeout)?.Message.Value);
        consumer.Close();
    }

    [Fact]
    public async Task An_expired_token_fails_with_librdkafkas_authentication_error()
    {
        var failed = new TaskCompletionSource<Error>(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = OAuth();
        config.EnableSaslOauthbearerUnsecureJwt = false;
        config.SaslOauthbearerConfig = null;
        using var producer = new ProducerBuilder<Null, Null>(new ProducerConfig(config))
            .SetOAuthBearerTokenRefreshHandler((client, _) => client.OAuthBearerSetToken(
                Token($$"""{"sub":"alice","iat":{{Now - 7200}},"exp":{{Now - 3600}}}"""), DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(), "alice"))
            .SetErrorHandler((_, e) => failed.TrySetResult(e))
            .Build();
        var error = await failed.Task.WaitAsync(Timeout);
        Assert.Equal(Confluent.Kafka.ErrorCode.Local_Authentication, error.Code);
        Assert.Contains("expired", error.Reason);
    }

    private async Task<RawKafkaSocket> HandshakeAsync()
    {
        var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        var handshake = await RawRequests.RoundTripAsync<SaslHandshakeResponse>(socket, new SaslHandshakeRequest { Mechanism = "OAUTHBEARER" }, 1);
        Assert.Contains("OAUTHBEARER", handshake.Mechanisms);
        return socket;
    }

    private static Task<SaslAuthenticateResponse> AuthenticateAsync(RawKafkaSocket socket, string message) =>
        RawRequests.RoundTripAsync<SaslAuthenticateResponse>(socket, new SaslAuthenticateRequest { AuthBytes = Encoding.UTF8.GetBytes(message) }, 2);

    [Fact]
    public async Task A_valid_token_is_accepted_with_an_empty_final_challenge()
    {
        using var socket = await HandshakeAsync();
        var response = await AuthenticateAsync(socket, $"n,a=alice,\u0001auth=Bearer {Token($$"""{"sub":"alice","exp":{{Now + 60}}}""")}\u0001\u0001");
        Assert.Equal((short)WireError.None, response.ErrorCode);
        Assert.Empty(response.AuthBytes);
    }

    [Theory]
    [InlineData("""{"sub":"alice"}""", "exp")]
    [InlineData("""{"exp":9999999999}""", "sub")]
    [InlineData("""{"sub":"alice","exp":1}""", "expired")]
    public async Task A_bad_token_gets_the_invalid_token_challenge_then_the_reason(string claims, string reason)
    {
        using var socket = await HandshakeAsync();
        var challenge = await AuthenticateAsync(socket, $"n,,\u0001auth=Bearer {Token(claims)}\u0001\u0001");
        Assert.Equal((short)WireError.None, challenge.ErrorCode);
        Assert.Equal("""{"status":"invalid_token"}""", Encoding.UTF8.GetString(challenge.AuthBytes));

        var failure = await AuthenticateAsync(socket, "\u0001");
        Assert.Equal((short)WireError.SaslAuthenticationFailed, failure.ErrorCode);
        Assert.Contains(reason, failure.ErrorMessage);
        Assert.True(await socket.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task A_signed_token_is_refused()
    {
        using var socket = await HandshakeAsync();
        var token = Token($$"""{"sub":"alice","exp":{{Now + 60}}}""") + "c2lnbmF0dXJl";
        await AuthenticateAsync(socket, $"n,,\u0001auth=Bearer {token}\u0001\u0001");
        var failure = await AuthenticateAsync(socket, "\u0001");
        Assert.Contains("only unsecured tokens", failure.ErrorMessage);
    }

    [Fact]
    public async Task An_authorization_id_other_than_the_subject_is_refused()
    {
        using var socket = await HandshakeAsync();
        await AuthenticateAsync(socket, $"n,a=bob,\u0001auth=Bearer {Token($$"""{"sub":"alice","exp":{{Now + 60}}}""")}\u0001\u0001");
        var failure = await AuthenticateAsync(socket, "\u0001");
        Assert.Contains("different from the token's principal name", failure.ErrorMessage);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("n,,\u0001auth=Basic xyz\u0001\u0001")]
    [InlineData("n,,auth=Bearer x")]
    public async Task A_malformed_initial_response_fails_at_once(string message)
    {
        using var socket = await HandshakeAsync();
        var failure = await AuthenticateAsync(socket, message);
        Assert.Equal((short)WireError.SaslAuthenticationFailed, failure.ErrorCode);
        Assert.True(await socket.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task Without_the_option_oauthbearer_is_not_offered()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { Listeners = [new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)] });
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", cluster.Brokers[0].Port);
        var handshake = await RawRequests.RoundTripAsync<SaslHandshakeResponse>(socket, new SaslHandshakeRequest { Mechanism = "OAUTHBEARER" }, 1);
        Assert.Equal((short)WireError.UnsupportedSaslMechanism, handshake.ErrorCode);
        Assert.DoesNotContain("OAUTHBEARER", handshake.Mechanisms);
    }
}
