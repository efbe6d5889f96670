using System.Diagnostics;
using Confluent.Kafka;
using Tributary.Broker.Faults;
using Tributary.Protocol.Messages;
using KafkaError = Tributary.Protocol.ErrorCode;

namespace Tributary.Broker.Tests.Faults;

/// <summary>
/// <see cref="RequestControls"/>: the recorder, and rules that answer an error, delay, drop the connection or hold
/// a chosen request, as Confluent.Kafka reacts to each.
/// </summary>
public sealed class RequestRulesTests(FaultClusterFixture fixture) : FaultClusterTests(fixture)
{
    [Fact]
    public async Task The_recorder_lists_each_request_with_its_broker_client_id_api_and_decoded_messages()
    {
        var topic = await NewTopicAsync(replicationFactor: 1);
        Cluster.Requests.StartRecording();
        using var producer = Fixture.Producer(clientId: "recorded-client");
        await FaultClusterFixture.ProduceAsync(producer, topic, "v");
        Cluster.Requests.StopRecording();

        var produce = Cluster.Requests.GetRecorded().Single(r => r.ApiKey == ApiKey.Produce && r.ClientId == "recorded-client");
        Assert.Equal(Cluster.GetLeader(topic, 0), produce.BrokerId);
        Assert.Equal(topic, Assert.Single(Assert.IsType<ProduceRequest>(produce.Request).TopicData).Name);
        var response = Assert.IsType<ProduceResponse>(produce.Response);
        Assert.Equal(0, response.Responses.Single().PartitionResponses.Single().ErrorCode);
        Assert.Null(produce.RuleId);
        Assert.Contains(Cluster.Requests.GetRecorded(), r => r.ApiKey == ApiKey.Metadata && r.ClientId == "recorded-client");
        Assert.False(Cluster.Requests.IsRecording);
    }

    [Fact]
    public async Task The_recorder_keeps_only_the_most_recent_requests_up_to_its_capacity()
    {
        var topic = await NewTopicAsync(replicationFactor: 1);
        Cluster.Requests.StartRecording(capacity: 3);
        using var producer = Fixture.Producer();
        for (var i = 0; i < 5; i++) await FaultClusterFixture.ProduceAsync(producer, topic, $"v{i}");

        Assert.Equal(3, Cluster.Requests.GetRecorded().Count);
        Cluster.Requests.ClearRecorded();
        Assert.DoesNotContain(Cluster.Requests.GetRecorded(), r => r.ApiKey == ApiKey.Produce);
    }

    [Fact]
    public async Task The_nth_matching_request_gets_the_error_and_an_idempotent_producer_retries_without_duplicates()
    {
        var topic = await NewTopicAsync(replicationFactor: 1);
        var rule = Cluster.Requests.AddRule(new RequestMatch { ApiKey = ApiKey.Produce, Topic = topic },
            RequestRuleAction.Fail(KafkaError.NotLeaderOrFollower), nth: 2);
        Cluster.Requests.StartRecording();
        using var producer = Fixture.Producer();

        foreach (var value in new[] { "a", "b", "c" }) await FaultClusterFixture.ProduceAsync(producer, topic, value);

        var produces = Cluster.Requests.GetRecorded().Where(r => r.ApiKey == ApiKey.Produce).ToList();
        Assert.Equal(rule.Id, produces[1].RuleId);
        Assert.Equal((short)KafkaError.NotLeaderOrFollower, ((ProduceResponse)produces[1].Response!).Responses.Single().PartitionResponses.Single().ErrorCode);
        Assert.Equal(1, rule.Applied);
        Assert.DoesNotContain(rule, Cluster.Requests.Rules);
        Assert.Equal(["a", "b", "c"], Fixture.ReadAll(topic, 3));
    }

    [Fact]
    public async Task A_held_request_waits_until_the_test_releases_it()
    {
        var topic = await NewTopicAsync(replicationFactor: 1);
        using var producer = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(producer, topic, "warm");
        var barrier = Cluster.Requests.AddRule(new RequestMatch { ApiKey = ApiKey.Produce, Topic = topic }, RequestRuleAction.Hold);

        var held = producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "held" });
        await barrier.WaitUntilHeldAsync().WaitAsync(Eventually.Patience);
        Assert.False(held.IsCompleted);
        Assert.Equal(1, barrier.Held);
        Assert.Contains(barrier, Cluster.Requests.Rules);

        barrier.Release();
        Assert.Equal(PersistenceStatus.Persisted, (await held).Status);
        Assert.Equal(0, barrier.Held);
        Assert.True(Cluster.Requests.RemoveRule(barrier.Id));
        Assert.False(Cluster.Requests.RemoveRule(barrier.Id));
    }

    [Fact]
    public async Task A_drop_rule_closes_the_connection_instead_of_answering_and_the_client_sends_again()
    {
        var topic = await NewTopicAsync(replicationFactor: 1);
        using var producer = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(producer, topic, "warm");
        var drop = Cluster.Requests.AddRule(new RequestMatch { ApiKey = ApiKey.Produce, ClientId = "fault-producer" }, RequestRuleAction.Drop);
        Cluster.Requests.StartRecording();

        await FaultClusterFixture.ProduceAsync(producer, topic, "after-drop");

        var produces = Cluster.Requests.GetRecorded().Where(r => r.ApiKey == ApiKey.Produce).ToList();
        Assert.Equal(drop.Id, produces[0].RuleId);
        Assert.Null(produces[0].Response);
        Assert.True(produces.Count >= 2);
        Assert.Equal(["warm", "after-drop"], Fixture.ReadAll(topic, 2));
    }

    [Fact]
    public async Task A_delay_rule_holds_every_matching_request_back_until_removed()
    {
        var topic = await NewTopicAsync(replicationFactor: 1);
        using var producer = Fixture.Producer();
        await FaultClusterFixture.ProduceAsync(producer, topic, "warm");
        var delay = Cluster.Requests.AddRule(new RequestMatch { ApiKey = ApiKey.Produce, Topic = topic }, RequestRuleAction.DelayBy(TimeSpan.FromMilliseconds(400)), times: null);

        var watch = Stopwatch.StartNew();
        await FaultClusterFixture.ProduceAsync(producer, topic, "one");
        await FaultClusterFixture.ProduceAsync(producer, topic, "two");

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(800), $"two delayed produces took only {watch.Elapsed}");
        Assert.Equal(2, delay.Applied);
        Assert.Contains(delay, Cluster.Requests.Rules);
        Assert.True(Cluster.Requests.RemoveRule(delay.Id));
    }

    [Fact]
    public void FailNextRequests_is_a_rule_that_Clear_removes()
    {
        Cluster.Faults.FailNextRequests(ApiKey.Heartbeat, KafkaError.RebalanceInProgress, count: 2);

        var rule = Assert.Single(Cluster.Requests.Rules);
        Assert.Equal(ApiKey.Heartbeat, rule.Match.ApiKey);
        Assert.Equal(2, rule.Times);
        Assert.Equal(RequestRuleAction.Fail(KafkaError.RebalanceInProgress), rule.Action);
        Cluster.Faults.Clear();
        Assert.Empty(Cluster.Requests.Rules);
    }

    [Fact]
    public void Rules_need_a_positive_nth_and_count()
    {
        Assert.Throws<ArgumentException>(() => Cluster.Requests.AddRule(new RequestMatch(), RequestRuleAction.Drop, nth: 0));
        Assert.Throws<ArgumentException>(() => Cluster.Requests.AddRule(new RequestMatch(), RequestRuleAction.Drop, times: 0));
        Assert.Throws<ArgumentException>(() => RequestRuleAction.DelayBy(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Topics_are_found_in_requests_by_name_and_by_topic_id()
    {
        var id = Guid.NewGuid();
        var fetch = new FetchRequest { Topics = [new FetchRequest.FetchTopic { Topic = "by-name" }, new FetchRequest.FetchTopic { TopicId = id }] };
        var metadata = new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "meta" }] };

        Assert.Equal(["by-id", "by-name"], RequestControls.TopicsOf(fetch, g => g == id ? "by-id" : null).Order());
        Assert.Equal(["meta"], RequestControls.TopicsOf(metadata, _ => null));
    }
}
