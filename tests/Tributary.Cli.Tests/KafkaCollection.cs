using Tributary.Testing;

namespace Tributary.Cli.Tests;

// Three collections, each with its own embedded cluster, so xunit runs them side by side: most of the time goes to
// starting the command's process.

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<EmbeddedKafkaFixture>
{
    public const string Name = "kafka";
}

[CollectionDefinition(Name)]
public sealed class AdminAndPipeCollection : ICollectionFixture<EmbeddedKafkaFixture>
{
    public const string Name = "kafka-admin-pipe";
}

[CollectionDefinition(Name)]
public sealed class ErrorKafkaCollection : ICollectionFixture<EmbeddedKafkaFixture>
{
    public const string Name = "kafka-errors";
}
