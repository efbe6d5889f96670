using System.Reflection;

namespace Tributary.Streams.Tests;

/// <summary>The public surface is what Akka.Streams.Kafka users find where they expect it, and nothing else.</summary>
public sealed class PublicSurfaceTests
{
    private static readonly Assembly Library = typeof(KafkaConsumer).Assembly;

    [Fact]
    public void Public_types_live_in_the_namespaces_of_Akka_Streams_Kafka_and_the_implementation_is_internal()
    {
        string[] allowed =
        [
            "Tributary.Streams", "Tributary.Streams.Dsl", "Tributary.Streams.Settings", "Tributary.Streams.Messages",
            "Tributary.Streams.Helpers", "Tributary.Streams.Extensions", "Tributary.Streams.Supervision",
        ];

        var misplaced = Library.GetExportedTypes().Where(t => !allowed.Contains(t.Namespace)).Select(t => t.FullName).ToList();
        var internalNamespaceTypes = Library.GetTypes().Where(t => t.Namespace == "Tributary.Streams.Internal" && t.IsVisible).ToList();

        Assert.Empty(misplaced);
        Assert.Empty(internalNamespaceTypes);
        Assert.All(Library.GetTypes().Where(t => t.Namespace == "Tributary.Streams" && t.IsPublic),
            t => Assert.True(typeof(Exception).IsAssignableFrom(t), $"{t.Name} is not an exception"));
    }

    [Theory]
    [InlineData(typeof(KafkaConsumer), "Tributary.Streams.Dsl")]
    [InlineData(typeof(KafkaProducer), "Tributary.Streams.Dsl")]
    [InlineData(typeof(Committer), "Tributary.Streams.Dsl")]
    [InlineData(typeof(Transactional), "Tributary.Streams.Dsl")]
    [InlineData(typeof(KafkaExtensions), "Tributary.Streams.Settings")]
    [InlineData(typeof(Subscriptions), "Tributary.Streams.Settings")]
    [InlineData(typeof(ProducerMessage), "Tributary.Streams.Messages")]
    [InlineData(typeof(GroupTopicPartitionOffset), "Tributary.Streams.Messages")]
    [InlineData(typeof(IControl), "Tributary.Streams.Helpers")]
    [InlineData(typeof(NoopControl), "Tributary.Streams.Helpers")]
    [InlineData(typeof(IPartitionEventHandler), "Tributary.Streams.Helpers")]
    [InlineData(typeof(ControlExtensions), "Tributary.Streams.Extensions")]
    [InlineData(typeof(DefaultConsumerDecider), "Tributary.Streams.Supervision")]
    public void Each_entry_point_is_in_the_namespace_Akka_Streams_Kafka_has_it_in(Type type, string expected) =>
        Assert.Equal(expected, type.Namespace);

    [Fact]
    public void A_record_failing_to_deserialize_is_a_ConsumeException_and_a_refused_connection_a_KafkaException()
    {
        Assert.True(typeof(Confluent.Kafka.ConsumeException).IsAssignableFrom(typeof(KafkaDeserializationException)));
        Assert.True(typeof(Confluent.Kafka.KafkaException).IsAssignableFrom(typeof(KafkaConnectionFailed)));
    }
}
