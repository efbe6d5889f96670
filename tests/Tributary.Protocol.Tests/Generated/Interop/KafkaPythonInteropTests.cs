using System.Diagnostics;
using Tributary.Protocol.Messages;
using Xunit.Abstractions;

namespace Tributary.Protocol.Tests.Generated.Interop;

/// <summary>kafka-python (Debian's python3-kafka) produces through responses encoded by the generated types.</summary>
public class KafkaPythonInteropTests(ITestOutputHelper output)
{
    public const string FixtureClient = "kafka-python";
    public const string ClientId = "tributary-python";
    public const string Topic = "fixture-topic";

    /// <summary>Debian installs kafka-python for the system interpreter, which may not be the first python3 on the PATH.</summary>
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import sys
        import kafka
        from kafka import KafkaProducer
        producer = KafkaProducer(bootstrap_servers=sys.argv[1], client_id=sys.argv[2], acks=1,
                                 request_timeout_ms=20000, api_version_auto_timeout_ms=20000)
        metadata = producer.send(sys.argv[3], key=b'key', value=b'hello').get(timeout=20)
        producer.close(timeout=5)
        print(kafka.__version__, metadata.offset)
        """;

    [Fact]
    public async Task Kafka_python_producer_delivers_when_python3_kafka_is_installed()
    {
        if (!await KafkaPythonInstalledAsync())
        {
            output.WriteLine($"NOT CHECKED: {Python} cannot import kafka (apt-get install -y python3-kafka).");
            return;
        }
        await using var broker = new FakeBroker();
        var (exitCode, stdout) = await RunPythonAsync(["-c", Script, broker.BootstrapServers, ClientId, Topic]);
        Assert.True(exitCode == 0, $"kafka-python failed: {stdout}");

        var requests = broker.Requests;
        var produce = Assert.IsType<ProduceRequest>(requests.Single(r => r.Decoded.ApiKey == ApiKey.Produce).Decoded.Body);
        Assert.Equal(1, produce.Acks);
        Assert.Equal(Topic, Assert.Single(produce.TopicData).Name);
        Assert.All(requests, r => Assert.Equal(r.Frame, r.Decoded.Encode()));
        if (FixtureFiles.CaptureRequested)
            FixtureFiles.Write(FixtureClient, $"kafka-python {stdout.Split(' ')[0]} (Debian python3-kafka)", requests);
    }

    private static async Task<bool> KafkaPythonInstalledAsync() =>
        File.Exists(Python) && (await RunPythonAsync(["-c", "import kafka"])).ExitCode == 0;

    private static async Task<(int ExitCode, string Output)> RunPythonAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("kafka-python did not finish within 60 seconds.");
        }
        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
