namespace Tributary.Benchmarks.Cluster;

/// <summary>librdkafka's built-in mock cluster, running inside this process, as a benchmark target.</summary>
internal sealed class MockClusterTarget : IBenchmarkTarget
{
    private readonly LibrdkafkaMock _mock;

    private MockClusterTarget(LibrdkafkaMock mock, int brokers, ServerWindow window)
    {
        _mock = mock;
        Meter = window;
        Brokers = brokers;
        Name = $"librdkafka mock ({brokers} broker{(brokers == 1 ? "" : "s")})";
    }

    public string Name { get; }

    public int Brokers { get; }

    public ICostMeter Meter { get; }

    public bool IsManaged => false;

    public string SecurityProtocol => "PLAINTEXT";

    public IReadOnlyDictionary<string, string> ClientConfig => new Dictionary<string, string> { ["bootstrap.servers"] = _mock.BootstrapServers };

    /// <summary>Starts a mock cluster of <paramref name="brokers"/> brokers, this process's costs measured by <paramref name="window"/>.</summary>
    public static Task<MockClusterTarget> StartAsync(int brokers, ServerWindow window, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new MockClusterTarget(new LibrdkafkaMock(brokers), brokers, window));
    }

    /// <inheritdoc />
    /// <remarks>The mock's own bound is fixed (<see cref="MockRetention"/>): <paramref name="deletesEarly"/> changes nothing here.</remarks>
    public Task CreateTopicAsync(string name, int partitions, CancellationToken cancellationToken, bool deletesEarly = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _mock.CreateTopic(name, partitions, replicationFactor: 1);
        return Task.CompletedTask;
    }

    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _mock.DeleteTopic(name);
        return Task.CompletedTask;
    }

    /// <summary>Nothing to wait for: the mock is native code, nothing of it is compiled while measured.</summary>
    public Task WaitForPeriodicWorkAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _mock.Dispose();
        return ValueTask.CompletedTask;
    }
}
