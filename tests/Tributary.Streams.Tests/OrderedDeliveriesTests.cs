using Akka;
using Confluent.Kafka;

namespace Tributary.Streams.Tests;

public sealed class OrderedDeliveriesTests
{
    // A pass-through envelope needs no producer: its delivery is complete as soon as it is "sent".
    private static EnvelopeDelivery<string, string, int> Completed(int passThrough) =>
        EnvelopeDelivery<string, string, int>.Send(null!, ProducerMessage.PassThrough<string, string, int>(passThrough), restoreHeaders: false);

    [Fact]
    public void A_head_that_completed_before_the_wake_up_was_arranged_still_wakes_the_stage()
    {
        // The stage looks at the head, finds it pending, and then arranges its wake-up; the delivery thread may
        // complete the head in between. That wake-up must still come, or the stage waits forever.
        var wakeUps = 0;
        var deliveries = new OrderedDeliveries<string, string, int>(() => wakeUps++);
        deliveries.Add(Completed(1));

        deliveries.WakeWhenOldestCompletes();

        Assert.Equal(1, wakeUps);
    }

    [Fact]
    public void One_wake_up_is_arranged_at_a_time_and_the_next_after_it_arrived()
    {
        var wakeUps = 0;
        var deliveries = new OrderedDeliveries<string, string, int>(() => wakeUps++);
        deliveries.Add(Completed(1));
        deliveries.Add(Completed(2));

        deliveries.WakeWhenOldestCompletes();
        deliveries.WakeWhenOldestCompletes();
        Assert.Equal(1, wakeUps);

        deliveries.Woken();
        Assert.True(deliveries.TryTakeCompleted(out var first));
        deliveries.WakeWhenOldestCompletes();
        Assert.Equal(2, wakeUps);
        Assert.Equal(1, first.Result.PassThrough);
    }

    [Fact]
    public void Deliveries_are_taken_in_the_order_they_were_added()
    {
        var deliveries = new OrderedDeliveries<string, string, int>(() => { });
        foreach (var i in Enumerable.Range(0, 5)) deliveries.Add(Completed(i));

        var taken = new List<int>();
        while (deliveries.TryTakeCompleted(out var delivery)) taken.Add(delivery.Result.PassThrough);

        Assert.Equal(Enumerable.Range(0, 5), taken);
        Assert.Equal(0, deliveries.Count);
    }
}
