using Tributary.Testing;

namespace Tributary.Docs.Tests;

// One collection: the snippet programs write to the process's console, which is captured one program at a time.
[CollectionDefinition(Name)]
public sealed class DocsCollection : ICollectionFixture<EmbeddedKafkaFixture>
{
    public const string Name = "docs";
}
