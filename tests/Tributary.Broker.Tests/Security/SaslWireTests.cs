using System.Buffers.Binary;
using System.Text;
using Tributary.Broker.Security.Sasl;
using Tributary.Protocol;
using Tributary.Protocol.Messages;

namespace Tributary.Broker.Tests.Security;

/// <summary>
/// The SASL exchange over raw sockets: the v0 flow of older clients, the order Kafka enforces before
/// authentication, Kafka's error codes, and hostile tokens that close only their own connection.
/// </summary>
public class SaslWireTests : IAsyncLifetime
{
    private EmbeddedKafkaCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
    {
        Listeners = [new ListenerOptions(KafkaSecurityProtocol.Plaintext), new ListenerOptions(KafkaSecurityProtocol.SaslPlaintext)],
        Users = new Dictionary<string, string> { ["alice"] = "alice-secret" },
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<RawKafkaSocket> ConnectSaslAsync() => RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Endpoints[1].Port);

    private static byte[] Plain(string user, string password) => Encoding.UTF8.GetBytes($"\0{user}\0{password}");

    private static Task<SaslHandshakeResponse> HandshakeAsync(RawKafkaSocket socket, string mechanism, short version = 1) =>
        RawRequests.RoundTripAsync<SaslHandshakeResponse>(socket, new SaslHandshakeRequest { Mechanism = mechanism }, version);

    private static Task<SaslAuthenticateResponse> AuthenticateAsync(RawKafkaSocket socket, byte[] token, short version = 2) =>
        RawRequests.RoundTripAsync<SaslAuthenticateResponse>(socket, new SaslAuthenticateRequest { AuthBytes = token }, version);

    private async Task AssertSaslListenerStillServesAsync()
    {
        using var healthy = await ConnectSaslAsync();
        Assert.Equal((short)ErrorCode.None, (await HandshakeAsync(healthy, "PLAIN")).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await AuthenticateAsync(healthy, Plain("alice", "alice-secret"))).ErrorCode);
        var metadata = await RawRequests.RoundTripAsync<MetadataResponse>(healthy, new MetadataRequest { Topics = [] }, 12);
        Assert.Equal(_cluster.Brokers[0].Endpoints[1].Port, metadata.Brokers.Single().Port);
    }

    [Fact]
    public async Task ApiVersions_before_the_handshake_is_answered_and_lists_the_sasl_apis()
    {
        using var socket = await ConnectSaslAsync();
        var versions = await RawRequests.RoundTripAsync<ApiVersionsResponse>(socket, new ApiVersionsRequest { ClientSoftwareName = "tributary-tests", ClientSoftwareVersion = "1.0" }, 3);
        Assert.Contains(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.SaslHandshake && k.MaxVersion == 1);
        Assert.Contains(versions.ApiKeys, k => k.ApiKey == (short)ApiKey.SaslAuthenticate && k.MaxVersion == 2);
        Assert.Equal((short)ErrorCode.None, (await HandshakeAsync(socket, "PLAIN")).ErrorCode);
    }

    [Fact]
    public async Task Handshake_v0_is_followed_by_raw_token_frames()
    {
        using var socket = await ConnectSaslAsync();
        var handshake = await HandshakeAsync(socket, "PLAIN", version: 0);
        Assert.Equal(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], handshake.Mechanisms);

        await socket.SendFrameAsync(Plain("alice", "alice-secret"));
        Assert.Empty((await socket.ReadFrameAsync())!); // PLAIN's empty final challenge, as a bare frame
        var metadata = await RawRequests.RoundTripAsync<MetadataResponse>(socket, new MetadataRequest { Topics = [] }, 1);
        Assert.Single(metadata.Brokers);
    }

    [Fact]
    public async Task A_wrong_raw_token_after_handshake_v0_closes_the_connection()
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "PLAIN", version: 0);
        await socket.SendFrameAsync(Plain("alice", "wrong"));
        Assert.True(await socket.IsClosedByBrokerAsync());
        await AssertSaslListenerStillServesAsync();
    }

    [Fact]
    public async Task A_request_before_authentication_closes_the_connection()
    {
        using var socket = await ConnectSaslAsync();
        await socket.SendFrameAsync(RawRequests.Encode(new MetadataRequest { Topics = [] }, 12));
        Assert.True(await socket.IsClosedByBrokerAsync());
        await AssertSaslListenerStillServesAsync();
    }

    [Fact]
    public async Task A_request_between_handshake_and_authenticate_closes_the_connection()
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "SCRAM-SHA-256");
        await socket.SendFrameAsync(RawRequests.Encode(new ApiVersionsRequest { ClientSoftwareName = "tributary-tests", ClientSoftwareVersion = "1.0" }, 3));
        Assert.True(await socket.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task An_unknown_mechanism_is_answered_with_the_enabled_ones_then_closed()
    {
        using var socket = await ConnectSaslAsync();
        var handshake = await HandshakeAsync(socket, "GSSAPI");
        Assert.Equal((short)ErrorCode.UnsupportedSaslMechanism, handshake.ErrorCode);
        Assert.Equal(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], handshake.Mechanisms);
        Assert.True(await socket.IsClosedByBrokerAsync());
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("nobody", "alice-secret")]
    public async Task Wrong_plain_credentials_get_one_message_whichever_part_is_wrong(string user, string password)
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "PLAIN");
        var response = await AuthenticateAsync(socket, Plain(user, password));
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, response.ErrorCode);
        Assert.Equal("Authentication failed: Invalid username or password", response.ErrorMessage);
        Assert.True(await socket.IsClosedByBrokerAsync());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00 })]
    [InlineData(new byte[] { (byte)'x', 0, (byte)'y' })]
    [InlineData(new byte[0])]
    public async Task A_garbage_plain_token_fails_authentication_and_closes(byte[] token)
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "PLAIN");
        var response = await AuthenticateAsync(socket, token, version: 0);
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, response.ErrorCode);
        Assert.StartsWith("Authentication failed: ", response.ErrorMessage);
        Assert.True(await socket.IsClosedByBrokerAsync());
        await AssertSaslListenerStillServesAsync();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("p=tls-unique,,n=alice,r=abc")]
    [InlineData("n,,n=al=ice,r=abc")]
    [InlineData("n,,r=abc,n=alice")]
    [InlineData("n,a=bob,n=alice,r=abc")]
    public async Task A_malformed_scram_first_message_fails_authentication_and_closes(string message)
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "SCRAM-SHA-512");
        var response = await AuthenticateAsync(socket, Encoding.UTF8.GetBytes(message));
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, response.ErrorCode);
        Assert.True(await socket.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task The_scram_server_first_message_extends_the_client_nonce_and_asks_for_4096_iterations()
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "SCRAM-SHA-256");
        var first = await AuthenticateAsync(socket, "n,,n=alice,r=clientnonce123"u8.ToArray());
        var serverFirst = Encoding.UTF8.GetString(first.AuthBytes).Split(',');
        Assert.StartsWith("r=clientnonce123", serverFirst[0]);
        Assert.True(serverFirst[0].Length > "r=clientnonce123".Length);
        Assert.StartsWith("s=", serverFirst[1]);
        Assert.Equal("i=4096", serverFirst[2]);

        // A final message that echoes only the client's part of the nonce is refused.
        var final = await AuthenticateAsync(socket, Encoding.UTF8.GetBytes($"c=biws,r=clientnonce123,p={Convert.ToBase64String(new byte[32])}"));
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, final.ErrorCode);
        Assert.Contains("nonce", final.ErrorMessage);
        Assert.True(await socket.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task An_unknown_scram_user_is_answered_like_a_known_one_until_the_proof()
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "SCRAM-SHA-256");
        var first = await AuthenticateAsync(socket, "n,,n=nobody,r=abc"u8.ToArray());
        Assert.Equal((short)ErrorCode.None, first.ErrorCode);
        var nonce = Encoding.UTF8.GetString(first.AuthBytes).Split(',')[0];
        var final = await AuthenticateAsync(socket, Encoding.UTF8.GetBytes($"c=biws,{nonce},p={Convert.ToBase64String(new byte[32])}"));
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, final.ErrorCode);
        Assert.Equal("Authentication failed: invalid credentials", final.ErrorMessage);
    }

    /// <summary>A whole SCRAM-SHA-256 exchange as RFC 5802 computes it, echoing the nonce as <paramref name="echo"/> says.</summary>
    private async Task<(SaslAuthenticateResponse Final, byte[] ExpectedServerSignature)> ScramAsync(Func<string, string, string> echo)
    {
        var algorithm = ScramAlgorithm.Sha256;
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "SCRAM-SHA-256");
        const string clientNonce = "fyko+d2lbbFgONRv9qkxdawL";
        const string clientFirstBare = "n=alice,r=" + clientNonce;
        var first = await AuthenticateAsync(socket, Encoding.UTF8.GetBytes("n,," + clientFirstBare));
        var serverFirst = Encoding.UTF8.GetString(first.AuthBytes);
        var attributes = serverFirst.Split(',').ToDictionary(a => a[..1], a => a[2..]);
        var salted = algorithm.SaltedPassword("alice-secret", Convert.FromBase64String(attributes["s"]), int.Parse(attributes["i"]));
        var withoutProof = $"c=biws,r={echo(clientNonce, attributes["r"])}";
        var authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var clientKey = algorithm.Hmac(salted, "Client Key"u8);
        var signature = algorithm.Hmac(algorithm.HashOf(clientKey), authMessage);
        var proof = clientKey.Zip(signature, (k, s) => (byte)(k ^ s)).ToArray();
        var final = await AuthenticateAsync(socket, Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}"));
        return (final, algorithm.Hmac(algorithm.Hmac(salted, "Server Key"u8), authMessage));
    }

    [Fact]
    public async Task A_scram_exchange_as_rfc_5802_computes_it_ends_with_the_server_signature()
    {
        var (final, serverSignature) = await ScramAsync((_, serverNonce) => serverNonce);
        Assert.Equal((short)ErrorCode.None, final.ErrorCode);
        Assert.Equal("v=" + Convert.ToBase64String(serverSignature), Encoding.UTF8.GetString(final.AuthBytes));
    }

    [Fact]
    public async Task The_nonce_of_librdkafka_before_2_6_1_with_the_client_nonce_twice_is_accepted()
    {
        var (final, _) = await ScramAsync((clientNonce, serverNonce) => clientNonce + serverNonce);
        Assert.Equal((short)ErrorCode.None, final.ErrorCode);
    }

    [Fact]
    public async Task Any_other_nonce_with_a_valid_proof_is_refused()
    {
        var (final, _) = await ScramAsync((_, serverNonce) => "x" + serverNonce);
        Assert.Equal((short)ErrorCode.SaslAuthenticationFailed, final.ErrorCode);
        Assert.Contains("nonce", final.ErrorMessage);
    }

    [Fact]
    public async Task An_oversized_token_before_authentication_closes_only_that_connection()
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "PLAIN", version: 0);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, 600 * 1024);
        await socket.SendAsync(length);
        Assert.True(await socket.IsClosedByBrokerAsync());
        await AssertSaslListenerStillServesAsync();
    }

    [Fact]
    public async Task A_client_that_stops_mid_exchange_harms_nobody()
    {
        var stalled = await ConnectSaslAsync();
        await HandshakeAsync(stalled, "SCRAM-SHA-512");
        await AuthenticateAsync(stalled, "n,,n=alice,r=abc"u8.ToArray());
        await AssertSaslListenerStillServesAsync();
        stalled.Dispose();
        await AssertSaslListenerStillServesAsync();
    }

    [Fact]
    public async Task Sasl_requests_on_the_plaintext_listener_get_illegal_sasl_state()
    {
        using var socket = await RawKafkaSocket.ConnectAsync("127.0.0.1", _cluster.Brokers[0].Port);
        Assert.Equal((short)ErrorCode.IllegalSaslState, (await HandshakeAsync(socket, "PLAIN")).ErrorCode);
        Assert.Equal((short)ErrorCode.IllegalSaslState, (await AuthenticateAsync(socket, Plain("alice", "alice-secret"))).ErrorCode);
    }

    [Fact]
    public async Task A_second_handshake_after_authentication_gets_illegal_sasl_state()
    {
        using var socket = await ConnectSaslAsync();
        await HandshakeAsync(socket, "PLAIN");
        await AuthenticateAsync(socket, Plain("alice", "alice-secret"));
        Assert.Equal((short)ErrorCode.IllegalSaslState, (await HandshakeAsync(socket, "PLAIN")).ErrorCode);
    }
}
