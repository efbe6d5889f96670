namespace Tributary.Testing.Tests;

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<EmbeddedKafkaFixture>
{
    public const string Name = "kafka";
}
