using Microsoft.Extensions.Time.Testing;
using Tributary.Broker;

namespace Tributary.Testing;

/// <summary>
/// A clock that moves only when the test says so, for <see cref="EmbeddedKafkaOptions.TimeProvider"/>: the cluster's
/// timeouts then happen exactly when the test advances past them, never because a slow machine took its time.
/// </summary>
/// <remarks>
/// <para>What runs on the cluster's clock, and so waits for <see cref="FakeTimeProvider.Advance"/>: group session
/// and rebalance timeouts (a member that stops heartbeating is removed once the clock passes its session timeout),
/// the group's initial rebalance delay, retention (checked every
/// <see cref="EmbeddedKafkaOptions.RetentionCheckInterval"/> of clock time, against record timestamps), transaction
/// timeouts (checked every <see cref="EmbeddedKafkaOptions.TransactionAbortCheckInterval"/>), the ISR lag check
/// (replica.lag.time.max.ms), the fencing of an isolated broker, rule delays, the broker side of long polls (a
/// fetch's max wait, a produce's acks=all timeout: they end early only when data arrives), and the timestamps the
/// broker writes (LogAppendTime, commit timestamps).</para>
/// <para>What does not: the clients' own timeouts (they run on the machine's clock), network latency and bandwidth
/// (<see cref="EmbeddedKafkaCluster.Network"/>), and replication itself. So start the cluster with
/// <see cref="EmbeddedKafkaOptions.GroupInitialRebalanceDelay"/> zero (the default) and keep clients' fetch waits short.</para>
/// <para>It starts at the machine's current time (not FakeTimeProvider's year 2000), so the timestamps clients put on
/// records are not in the clock's future and retention by time works as it would.</para>
/// </remarks>
/// <example>
/// <code>
/// var clock = new ManualClock();
/// await using var cluster = await EmbeddedKafkaCluster.StartAsync(new EmbeddedKafkaOptions { TimeProvider = clock });
/// // ... a consumer joins with session.timeout.ms=10000, then stops heartbeating ...
/// clock.Advance(TimeSpan.FromSeconds(11)); // its session expires now, not before
/// </code>
/// </example>
public sealed class ManualClock : FakeTimeProvider
{
    /// <summary>A clock stopped at the machine's current time.</summary>
    public ManualClock() : base(DateTimeOffset.UtcNow)
    {
    }
}
