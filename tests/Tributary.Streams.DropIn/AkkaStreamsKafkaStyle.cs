using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.Supervision;
using Confluent.Kafka;
using Tributary.Streams.Dsl;
using Tributary.Streams.Extensions;
using Tributary.Streams.Helpers;
using Tributary.Streams.Messages;
using Tributary.Streams.Settings;
using Tributary.Streams.Supervision;
using Config = Akka.Configuration.Config;
using Directive = Akka.Streams.Supervision.Directive;

namespace Tributary.Streams.DropIn;

/// <summary>
/// The seed exercises (produce, consume, consume-transform-produce with commits, exactly-once) and the API of
/// Akka.Streams.Kafka's integration suite, in that suite's words: its settings helpers, record constructors, message
/// and control members, deciders, partition handlers, consumer actor and transactional shapes.
/// </summary>
public sealed class AkkaStreamsKafkaStyle
{
    private readonly ActorSystem _sys;
    private readonly IMaterializer _materializer;
    private readonly string _kafkaServer;

    public AkkaStreamsKafkaStyle(ActorSystem sys, string kafkaServer)
    {
        _sys = sys;
        _materializer = sys.Materializer();
        _kafkaServer = kafkaServer;
    }

    /// <summary>The actor system configuration of Akka.Streams.Kafka's tests.</summary>
    public static Config Default() => ConfigurationFactory.ParseString("akka.loglevel = INFO").WithFallback(KafkaExtensions.DefaultSettings);

    private ProducerSettings<Null, string> ProducerSettings => ProducerSettings<Null, string>.Create(_sys, null, null).WithBootstrapServers(_kafkaServer);

    private CommitterSettings CommitterSettings => CommitterSettings.Create(_sys);

    private ConsumerSettings<Null, TValue> CreateConsumerSettings<TValue>(string group) =>
        ConsumerSettings<Null, TValue>.Create(_sys, null, null)
            .WithBootstrapServers(_kafkaServer)
            .WithStopTimeout(TimeSpan.FromSeconds(1))
            .WithProperty("auto.offset.reset", "earliest")
            .WithGroupId(group);

    /// <summary>Seed exercise 1: PlainSink, with both record shapes Akka.Streams.Kafka's tests use.</summary>
    public async Task ProduceStrings(string topic, IEnumerable<int> range)
    {
        await Source.From(range)
            .Select(elem => new ProducerRecord<Null, string>(topic, elem.ToString()))
            .RunWith(KafkaProducer.PlainSink(ProducerSettings), _materializer);
    }

    /// <summary>PlainSink to a fixed partition.</summary>
    public async Task ProduceStrings(TopicPartition topicPartition, IEnumerable<int> range)
    {
        await Source.From(range)
            .Select(elem => new ProducerRecord<Null, string>(topicPartition, elem.ToString()))
            .RunWith(KafkaProducer.PlainSink(ProducerSettings), _materializer);
    }

    /// <summary>Seed exercise 2: PlainSource over a topic subscription, stopped with Shutdown.</summary>
    public async Task<IReadOnlyList<string>> PlainSourceValues(string topic, string group, int count)
    {
        var (control, values) = KafkaConsumer.PlainSource(CreateConsumerSettings<string>(group), Subscriptions.Topics(topic))
            .Select(c => c.Message.Value)
            .Take(count)
            .ToMaterialized(Sink.Seq<string>(), Keep.Both)
            .Run(_materializer);
        var result = await values;
        await control.Shutdown();
        return result;
    }

    /// <summary>
    /// Seed exercise 3: CommittableSource, a transform, FlexiFlow with the committable offset as pass-through,
    /// Committer.Sink, and DrainingControl&lt;NotUsed&gt;.
    /// </summary>
    public async Task ConsumeTransformProduce(string topic, string target, string group, Func<bool> done)
    {
        var drainingControl = KafkaConsumer.CommittableSource(CreateConsumerSettings<string>(group), Subscriptions.Topics(topic))
            .Select(c => (c.Record.Topic, c.Record.Message.Value, c.CommitableOffset))
            .Select(t => ProducerMessage.Single(new ProducerRecord<Null, string>(target, t.Value + "!"), t.CommitableOffset))
            .Via(KafkaProducer.FlexiFlow<Null, string, ICommittableOffset>(ProducerSettings))
            .Select(m => (ICommittable)m.PassThrough)
            .ToMaterialized(Committer.Sink(CommitterSettings.WithMaxBatch(5)), DrainingControl<NotUsed>.Create)
            .Run(_materializer);
        while (!done())
            await Task.Delay(50);
        await drainingControl.DrainAndShutdown();
    }

    /// <summary>At-least-once by hand: Commit() on each offset, and Akka.Streams.Kafka's GroupTopicPartitionOffset.</summary>
    public async Task<IReadOnlyList<(string Value, long Offset)>> CommitEachRecord(string topic, string group, int count)
    {
        return await KafkaConsumer.CommittableSource(CreateConsumerSettings<string>(group), Subscriptions.AssignmentWithOffset(new TopicPartitionOffset(topic, 0, Offset.Unset)))
            .SelectAsync(1, async elem =>
            {
                await elem.CommitableOffset.Commit();
                return (elem.Record.Message.Value, elem.CommitableOffset.Offset.Offset.Value);
            })
            .Take(count)
            .RunWith(Sink.Seq<(string, long)>(), _materializer);
    }

    /// <summary>Exactly-once: TransactionalSource, PartitionOffset as pass-through, TransactionalSink by transactional id.</summary>
    public async Task Transactional(string source, string target, string group, Func<bool> done)
    {
        var control = KafkaConsumer.TransactionalSource(CreateConsumerSettings<string>(group), Subscriptions.Topics(source))
            .Via(Flow.Create<TransactionalMessage<Null, string>>())
            .Select(message => ProducerMessage.Single(
                new ProducerRecord<Null, string>(target, message.Record.Message.Key, message.Record.Message.Value),
                passThrough: message.PartitionOffset))
            .ToMaterialized(KafkaProducer.TransactionalSink(ProducerSettings, Guid.NewGuid().ToString()), Keep.Both)
            .MapMaterializedValue(DrainingControl<NotUsed>.Create)
            .Run(_materializer);
        while (!done())
            await Task.Delay(50);
        await control.DrainAndShutdown();
    }

    /// <summary>Multi and PassThrough envelopes over immutable sets, as Akka.Streams.Kafka builds them.</summary>
    public async Task<int> MultiAndPassThrough(string topic)
    {
        var results = await Source.From(Enumerable.Range(1, 3))
            .Select(i => i == 2
                ? ProducerMessage.PassThrough<Null, string>()
                : ProducerMessage.Multi(new[] { new ProducerRecord<Null, string>(topic, $"{i}a"), new ProducerRecord<Null, string>(topic, $"{i}b") }.ToImmutableHashSet(), NotUsed.Instance))
            .Via(KafkaProducer.FlexiFlow<Null, string, NotUsed>(ProducerSettings))
            .RunWith(Sink.Seq<IResults<Null, string, NotUsed>>(), _materializer);
        return results.Count;
    }

    /// <summary>A PlainSink whose serializer fails once, resumed by an overridden DefaultProducerDecider.</summary>
    public async Task<int> PlainSinkResumingOnSerializationErrors(string topic, ISerializer<string> failingSerializer)
    {
        var decider = new OverriddenProducerDecider<Null, string>();
        var producerSettings = ProducerSettings<Null, string>.Create(_sys, null, failingSerializer).WithBootstrapServers(_kafkaServer);
        await Source.From(new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })
            .Select(elem => new ProducerRecord<Null, string>(new TopicPartition(topic, 0), elem.ToString()))
            .RunWith(KafkaProducer.PlainSink(producerSettings).WithAttributes(ActorAttributes.CreateSupervisionStrategy(decider.Decide)), _materializer);
        return decider.CallCount;
    }

    /// <summary>A PlainSource with Int32 values over string records, resumed by a decider that counts.</summary>
    public async Task<int> PlainSourceResumingOnDeserializationErrors(string topic, string group, TimeSpan wait)
    {
        var callCount = 0;
        Directive Decider(Exception cause)
        {
            if (cause is ConsumeException ex && ex.Error.IsSerializationError())
            {
                Interlocked.Increment(ref callCount);
                return Directive.Resume;
            }
            return Directive.Stop;
        }

        var settings = CreateConsumerSettings<int>(group).WithValueDeserializer(Deserializers.Int32);
        var (control, _) = KafkaConsumer.PlainSource(settings, Subscriptions.Assignment(new TopicPartition(topic, 0)))
            .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Decider))
            .Select(c => c.Message.Value)
            .ToMaterialized(Sink.Ignore<int>(), Keep.Both)
            .Run(_materializer);
        await Task.Delay(wait);
        await control.Shutdown(null);
        return callCount;
    }

    /// <summary>The default decider stops a source on a deserialization error, with Confluent's ConsumeException.</summary>
    public async Task<Exception> PlainSourceStoppingOnDeserializationErrors(string topic, string group)
    {
        var settings = CreateConsumerSettings<int>(group).WithValueDeserializer(Deserializers.Int32);
        try
        {
            await KafkaConsumer.PlainSource(settings, Subscriptions.Assignment(new TopicPartition(topic, 0)))
                .WithAttributes(ActorAttributes.CreateSupervisionStrategy(Deciders.StoppingDecider))
                .Select(c => c.Message.Value)
                .RunWith(Sink.Ignore<int>(), _materializer);
            return null;
        }
        catch (ConsumeException exception) when (exception.Error.Code == ErrorCode.Local_ValueDeserialization)
        {
            return exception;
        }
    }

    /// <summary>External sources over a consumer actor, each on its own partition.</summary>
    public async Task<IReadOnlyList<string>> ExternalPlainSources(string topic, string group, int perPartition)
    {
        var consumer = _sys.ActorOf(KafkaConsumerActorMetadata.GetProps(CreateConsumerSettings<string>(group), new DefaultConsumerDecider(true).Decide));
        var first = KafkaConsumer.PlainExternalSource<Null, string>(consumer, Subscriptions.Assignment(new TopicPartition(topic, 0)), true)
            .Select(c => c.Message.Value).Take(perPartition).RunWith(Sink.Seq<string>(), _materializer);
        var second = KafkaConsumer.PlainExternalSource<Null, string>(consumer, Subscriptions.Assignment(new TopicPartition(topic, 1)), true)
            .Select(c => c.Message.Value).Take(perPartition).RunWith(Sink.Seq<string>(), _materializer);
        var values = (await first).Concat(await second).ToList();
        consumer.Tell(KafkaConsumerActorMetadata.Internal.Stop.Instance, ActorRefs.NoSender);
        return values;
    }

    /// <summary>PlainPartitionedManualOffsetSource with immutable-set callbacks, sub-sources merged over NoopControl.</summary>
    public async Task<IReadOnlyList<string>> PartitionedManualOffsets(string topic, string group, int count, int firstOffset)
    {
        var revoked = 0;
        var values = await KafkaConsumer.PlainPartitionedManualOffsetSource(CreateConsumerSettings<string>(group), Subscriptions.Topics(topic),
                getOffsetsOnAssign: assigned => Task.FromResult<IImmutableSet<TopicPartitionOffset>>(
                    assigned.Select(tp => new TopicPartitionOffset(tp, new Offset(firstOffset))).ToImmutableHashSet()),
                onRevoke: _ => Interlocked.Increment(ref revoked))
            .MergeMany(3, tuple => tuple.Item2.MapMaterializedValue(notUsed => new NoopControl()))
            .Select(message => message.Message.Value)
            .Take(count)
            .RunWith(Sink.Seq<string>(), _materializer);
        return values;
    }

    /// <summary>A partition handler set on the subscription, with Akka.Streams.Kafka's callback shapes.</summary>
    public async Task<(int Assigned, int Stopped)> CustomPartitionEventHandling(string topic, string group, int count)
    {
        var customHandler = new CustomEventsHandler();
        var (control, values) = KafkaConsumer.PlainSource(CreateConsumerSettings<string>(group), Subscriptions.Topics(topic).WithPartitionEventsHandler(customHandler))
            .Take(count)
            .ToMaterialized(Sink.Seq<ConsumeResult<Null, string>>(), Keep.Both)
            .Run(_materializer);
        await values;
        await control.Shutdown();
        return (customHandler.AssignmentEvents, customHandler.StopEvents);
    }

    /// <summary>A plain Confluent.Kafka consumer from the settings, as PlainSinkIntegrationTests creates one.</summary>
    public int ReadWithKafkaConsumer(TopicPartition topicPartition, string group, int count)
    {
        var consumerSettings = CreateConsumerSettings<string>(group);
        using var consumer = consumerSettings.ConsumerFactory != null
            ? consumerSettings.ConsumerFactory(consumerSettings)
            : consumerSettings.CreateKafkaConsumer();
        consumer.Assign(new List<TopicPartition> { topicPartition });
        var received = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (received < count && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is not null)
                received++;
        return received;
    }

    /// <summary>Settings shapes of Akka.Streams.Kafka's tests.</summary>
    public bool AutoCreateTopicsEnabled(string group) => CreateConsumerSettings<string>(group).WithAutoCreateTopicsEnabled(false).AutoCreateTopicsEnabled;

    private sealed class CustomEventsHandler : IPartitionEventHandler
    {
        private int _assignmentEvents;
        private int _stopEvents;

        public int AssignmentEvents => Volatile.Read(ref _assignmentEvents);

        public int StopEvents => Volatile.Read(ref _stopEvents);

        public void OnRevoke(IImmutableSet<TopicPartitionOffset> revokedTopicPartitions, IRestrictedConsumer consumer)
        {
        }

        public void OnAssign(IImmutableSet<TopicPartition> assignedTopicPartitions, IRestrictedConsumer consumer) => Interlocked.Increment(ref _assignmentEvents);

        public void OnStop(IImmutableSet<TopicPartition> topicPartitions, IRestrictedConsumer consumer) => Interlocked.Increment(ref _stopEvents);
    }

    private sealed class OverriddenProducerDecider<K, V> : DefaultProducerDecider<K, V>
    {
        private int _callCount;

        public int CallCount => _callCount;

        protected override Directive OnSerializationError(ProduceException<K, V> exception)
        {
            Interlocked.Increment(ref _callCount);
            return Directive.Resume;
        }
    }
}
