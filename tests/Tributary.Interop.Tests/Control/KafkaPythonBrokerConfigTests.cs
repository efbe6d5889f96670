using Tributary.Broker;

namespace Tributary.Interop.Tests.Control;

/// <summary>
/// kafka-python's admin client against broker configs: every config described with its source (static, default) and
/// synonyms; AlterConfigs on the cluster-wide default resource changes a dynamic config, seen on every broker and in
/// the topics' configs as DYNAMIC_DEFAULT_BROKER_CONFIG; a read-only one is refused with Kafka's INVALID_REQUEST.
/// </summary>
public sealed class KafkaPythonBrokerConfigTests
{
    private const int StaticBrokerConfig = 4, DynamicDefaultBrokerConfig = 3, DefaultConfig = 5;

    [Fact]
    public async Task Kafka_pythons_admin_client_reads_static_configs_and_changes_a_dynamic_default_but_not_a_read_only_config()
    {
        await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions
        {
            Brokers = 2,
            BrokerConfigs = new Dictionary<string, string> { ["num.partitions"] = "3", ["broker.rack"] = "a,b" },
        });
        await cluster.CreateTopicAsync("py-configs");

        var result = await ExternalClient.RunJsonAsync("/usr/bin/python3",
            ["python/kafka_python_broker_configs.py", "--bootstrap", cluster.BootstrapServers, "--topic", "py-configs"], TimeSpan.FromSeconds(60));

        var before = result.GetProperty("before");
        Assert.Equal(("3", StaticBrokerConfig), (before.GetProperty("num.partitions").GetProperty("value").GetString(), before.GetProperty("num.partitions").GetProperty("source").GetInt32()));
        Assert.Equal(("a", StaticBrokerConfig), (before.GetProperty("broker.rack").GetProperty("value").GetString(), before.GetProperty("broker.rack").GetProperty("source").GetInt32()));
        Assert.Equal(DefaultConfig, before.GetProperty("log.retention.ms").GetProperty("source").GetInt32());
        Assert.True(result.GetProperty("count").GetInt32() > 40, "every broker config is listed");
        Assert.Equal("[0,null]", result.GetProperty("dynamic").GetRawText());
        Assert.Equal("""[42,"Cannot update these configs dynamically: Set(num.partitions)"]""", result.GetProperty("read_only").GetRawText());
        var after = result.GetProperty("after");
        Assert.Equal("b", after.GetProperty("broker.rack").GetProperty("value").GetString());
        var retention = after.GetProperty("log.retention.ms");
        Assert.Equal(("120000", DynamicDefaultBrokerConfig), (retention.GetProperty("value").GetString(), retention.GetProperty("source").GetInt32()));
        Assert.Equal("""[["log.retention.ms","120000",3],["log.retention.ms","604800000",5]]""", retention.GetProperty("synonyms").GetRawText());
        Assert.Equal("3", after.GetProperty("num.partitions").GetProperty("value").GetString());
        var topic = result.GetProperty("topic_retention");
        Assert.Equal(("120000", DynamicDefaultBrokerConfig), (topic.GetProperty("value").GetString(), topic.GetProperty("source").GetInt32()));
    }
}
