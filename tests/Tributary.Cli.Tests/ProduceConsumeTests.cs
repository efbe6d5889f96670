using System.Text.Json;
using Confluent.Kafka;
using Tributary.Testing;

namespace Tributary.Cli.Tests;

[Collection(KafkaCollection.Name)]
public sealed class ProduceConsumeTests(EmbeddedKafkaFixture kafka)
{
    [Fact]
    public async Task Produced_lines_are_consumed_back_with_their_keys()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 3);

        var produced = await CliRunner.RunAsync(kafka.BootstrapServers, "a:one\nb:two\nc:three\n", "produce", "-t", topic, "-K", ":");
        var consumed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-e", "-K", "=");

        Assert.True(produced.ExitCode == 0, produced.ToString());
        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(["a=one", "b=two", "c=three"], consumed.StdoutLines.Order());
    }

    [Fact]
    public async Task Produce_adds_headers_and_writes_to_the_chosen_partition()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);

        var produced = await CliRunner.RunAsync(kafka.BootstrapServers, "x\ny\n", "produce", "-t", topic, "-p", "1", "-H", "source=cli", "-H", "n=2");

        Assert.True(produced.ExitCode == 0, produced.ToString());
        var records = await kafka.ConsumeAsync(topic, 2);
        Assert.All(records, r => Assert.Equal(1, r.Partition.Value));
        Assert.All(records, r => Assert.Equal(["source", "n"], r.Message.Headers.Select(h => h.Key)));
    }

    [Fact]
    public async Task Transactional_produce_commits_every_line_in_one_transaction()
    {
        var topic = await kafka.CreateTopicAsync();

        var produced = await CliRunner.RunAsync(kafka.BootstrapServers, "1\n2\n3\n", "produce", "-t", topic, "--transactional-id", EmbeddedKafkaFixture.UniqueName("tx"));

        Assert.True(produced.ExitCode == 0, produced.ToString());
        var records = await kafka.ConsumeAsync(topic, 3, IsolationLevel.ReadCommitted);
        Assert.Equal(["1", "2", "3"], records.Select(r => r.Message.Value));
    }

    [Fact]
    public async Task Json_output_has_one_object_per_record()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 2, i => new Message<string, string>
        {
            Key = $"k{i}",
            Value = $"v{i}",
            Headers = new Headers { { "h", "hv"u8.ToArray() } },
        });

        var consumed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-e", "-J");

        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        var objects = consumed.StdoutLines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(2, objects.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(topic, objects[i].GetProperty("topic").GetString());
            Assert.Equal(0, objects[i].GetProperty("partition").GetInt32());
            Assert.Equal(i, objects[i].GetProperty("offset").GetInt64());
            Assert.Equal($"k{i}", objects[i].GetProperty("key").GetString());
            Assert.Equal($"v{i}", objects[i].GetProperty("payload").GetString());
            Assert.Equal(["h", "hv"], objects[i].GetProperty("headers").EnumerateArray().Select(h => h.GetString()));
            Assert.True(objects[i].GetProperty("ts").GetInt64() > 0);
        }
    }

    [Fact]
    public async Task Json_output_escapes_quotes_as_kcat_does_and_keeps_other_characters()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 1, _ => new Message<string, string> { Key = "émile", Value = "{\"plan\":\"pro\"}\\<tab>\t" });

        var consumed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-e", "-J");

        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.EndsWith("\"key\":\"émile\",\"payload\":\"{\\\"plan\\\":\\\"pro\\\"}\\\\<tab>\\t\"}", consumed.StdoutLines.Single());
    }

    [Fact]
    public async Task Format_tokens_are_replaced()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 1, _ => new Message<string, string>
        {
            Key = "key",
            Value = "value",
            Timestamp = new Timestamp(1_700_000_000_000, TimestampType.CreateTime),
            Headers = new Headers { { "a", "1"u8.ToArray() } },
        });

        var consumed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-e", "-f", @"%t|%p|%o|%k|%s|%h|%T|%K|%S|100%%\n");

        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal($"{topic}|0|0|key|value|a=1|1700000000000|3|5|100%\n", consumed.Stdout);
    }

    [Theory]
    [InlineData("beginning", "v0,v1,v2,v3")]
    [InlineData("end", "")]
    [InlineData("2", "v2,v3")]
    [InlineData("-1", "v3")]
    [InlineData("s@1700000002000", "v2,v3")]
    public async Task Offset_specs_choose_where_reading_starts(string offset, string expected)
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 4, i => new Message<string, string>
        {
            Key = "k",
            Value = $"v{i}",
            Timestamp = new Timestamp(1_700_000_000_000 + i * 1000L, TimestampType.CreateTime),
        });

        var consumed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-e", "-o", offset);

        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(expected, string.Join(',', consumed.StdoutLines));
    }

    [Fact]
    public async Task Count_stops_after_that_many_records()
    {
        var topic = await kafka.CreateTopicAsync();
        await kafka.ProduceAsync(topic, 5);

        var consumed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-c", "2");

        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(["value-0", "value-1"], consumed.StdoutLines);
    }

    [Fact]
    public async Task A_group_consumer_commits_what_it_read()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 2);
        var group = EmbeddedKafkaFixture.UniqueName("group");
        await kafka.ProduceAsync(topic, 6);

        var consumed = await CliRunner.RunAsync(kafka.BootstrapServers, null, "consume", "-t", topic, "-G", group, "-c", "6");

        Assert.True(consumed.ExitCode == 0, consumed.ToString());
        Assert.Equal(6, consumed.StdoutLines.Length);
        await kafka.WaitForZeroLagAsync(group, topic);
    }
}
