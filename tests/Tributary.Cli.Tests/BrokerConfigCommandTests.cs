using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Cli.Common;

namespace Tributary.Cli.Tests;

/// <summary>
/// <c>tributary broker --config KEY=VALUE</c> and <c>--config-file</c> (server.properties): Kafka's broker configs
/// reach the cluster (Confluent.Kafka's admin client reads them back and sees them act), and a mistake is one line.
/// </summary>
public sealed class BrokerConfigCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("tributary-cli-config-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Configs_from_the_file_and_the_command_line_are_static_broker_configs_that_take_effect()
    {
        var file = Path.Combine(_directory, "server.properties");
        await File.WriteAllTextAsync(file, """
            # Kafka's own syntax: comments, key=value, key: value, escapes and continued lines
            ! another comment
            num.partitions=2
            broker.rack : east,\
                          west
            log.retention.ms = 3600000
            auto.create.topics.enable=true
            """);
        var broker = CliRunner.Start(null, "broker", "--brokers", "2", "--port", "0", "--config-file", file, "--config", "num.partitions=4",
            "--config", "message.max.bytes=3000");
        _ = broker.StandardError.ReadToEndAsync();
        try
        {
            var bootstrap = (await broker.StandardOutput.ReadLineAsync().WaitAsync(Patience))!;
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();

            var described = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = "2" }])).Single().Entries;

            Assert.Equal(("4", ConfigSource.StaticBrokerConfig), (described["num.partitions"].Value, described["num.partitions"].Source));
            Assert.Equal(("west", ConfigSource.StaticBrokerConfig), (described["broker.rack"].Value, described["broker.rack"].Source));
            Assert.Equal("3600000", described["log.retention.ms"].Value);
            Assert.Equal(("1", ConfigSource.DefaultConfig), (described["default.replication.factor"].Value, described["default.replication.factor"].Source));
            using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
            await producer.ProduceAsync("auto", new Message<Null, byte[]> { Value = new byte[100] });
            Assert.Equal(4, admin.GetMetadata("auto", Patience).Topics.Single().Partitions.Count);
            var tooLarge = await Assert.ThrowsAsync<ProduceException<Null, byte[]>>(() => producer.ProduceAsync("auto", new Message<Null, byte[]> { Value = new byte[5000] }));
            Assert.Equal(ErrorCode.MsgSizeTooLarge, tooLarge.Error.Code);
            Assert.Equal(["east", "west"], (await admin.DescribeClusterAsync()).Nodes.OrderBy(n => n.Id).Select(n => n.Rack));
        }
        finally
        {
            CliRunner.Terminate(broker);
            await broker.WaitForExitAsync(new CancellationTokenSource(Patience).Token);
        }
    }

    [Theory]
    [InlineData("no.such.config=1", "Unknown broker config 'no.such.config'")]
    [InlineData("num.partitions=zero", "Invalid value zero for configuration num.partitions")]
    [InlineData("min.insync.replicas=0", "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1")]
    [InlineData("broker.id=5", "Broker config 'broker.id' is decided by the cluster's options")]
    [InlineData("broker.rack=a,b,c", "broker.rack lists 3 racks for 1 brokers")]
    [InlineData("num.partitions", "bad --config value 'num.partitions': expected name=value")]
    public async Task A_bad_config_is_one_line_and_exit_code_1(string config, string error)
    {
        var result = await CliRunner.RunAsync(null, null, "broker", "--port", "0", "--config", config);

        ErrorTests.AssertOneLineError(result, error);
    }

    [Fact]
    public async Task A_missing_or_malformed_config_file_is_one_line_and_exit_code_1()
    {
        var malformed = Path.Combine(_directory, "bad.properties");
        await File.WriteAllTextAsync(malformed, "broker.rack=\\u12\n");

        ErrorTests.AssertOneLineError(await CliRunner.RunAsync(null, null, "broker", "--port", "0", "--config-file", Path.Combine(_directory, "none.properties")),
            "--config-file none.properties does not exist");
        ErrorTests.AssertOneLineError(await CliRunner.RunAsync(null, null, "broker", "--port", "0", "--config-file", malformed),
            "bad --config-file bad.properties: line 1: malformed \\uxxxx escape");
    }

    [Fact]
    public void Properties_are_read_as_java_util_properties_reads_them()
    {
        var properties = JavaProperties.Parse(
            "# comment\n  ! also a comment\n\nplain=value\nspaced = padded value  \ncolon:v\nwhite space\nempty=\nkey\\ with\\=escapes=a\\tb\\u0041\\\\\n" +
            "continued=one,\\\n    two\nbackslash.at.end=x\\\\\nlast=final");

        Assert.Equal(new Dictionary<string, string>
        {
            ["plain"] = "value", ["spaced"] = "padded value  ", ["colon"] = "v", ["white"] = "space", ["empty"] = "",
            ["key with=escapes"] = "a\tbA\\", ["continued"] = "one,two", ["backslash.at.end"] = "x\\", ["last"] = "final",
        }, properties);
    }
}
