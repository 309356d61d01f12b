using Confluent.Kafka;
using CouponEvent.Consumer.Issuing;

namespace CouponEvent.Tests.Unit;

/// <summary>How the Consumer notices messages Kafka deleted before it read them. End to end: FaultInjectionTests' UnreadMessagesDeleted.</summary>
public sealed class LossDetectorTests
{
    private static TopicPartitionOffset Committed(int partition, long offset) => new("coupon_create", partition, offset);

    [Fact]
    public void Consecutive_offsets_from_the_committed_one_lose_nothing()
    {
        var detector = new LossDetector();
        detector.Assigned([Committed(0, 10)]);

        Assert.All(Enumerable.Range(10, 5), offset => Assert.Null(detector.Observe(0, offset)));
    }

    [Fact]
    public void A_first_message_past_the_committed_offset_reports_the_gap()
    {
        var detector = new LossDetector();
        detector.Assigned([Committed(0, 10), Committed(1, 3)]);

        Assert.Equal(new LostRange(0, 10, 250), detector.Observe(0, 250));
        Assert.Null(detector.Observe(1, 3));
    }

    [Fact]
    public void A_jump_while_reading_reports_the_gap_once()
    {
        var detector = new LossDetector();
        detector.Assigned([Committed(2, 0)]);
        detector.Observe(2, 0);
        detector.Observe(2, 1);

        var lost = detector.Observe(2, 41);

        Assert.Equal(39, lost?.Count);
        Assert.Null(detector.Observe(2, 42));
        // The same batch delivered again after a rebalance moves nothing back and reports nothing.
        Assert.Null(detector.Observe(2, 41));
    }

    [Fact]
    public void Without_a_committed_offset_the_first_message_is_the_start()
    {
        var detector = new LossDetector();
        detector.Assigned([Committed(0, Offset.Unset)]);

        Assert.Null(detector.Observe(0, 5000));
        Assert.Equal(new LostRange(0, 5001, 5003), detector.Observe(0, 5003));
    }

    [Fact]
    public void A_new_assignment_starts_again_from_the_group_s_commit()
    {
        var detector = new LossDetector();
        detector.Assigned([Committed(0, 0)]);
        detector.Observe(0, 0);
        detector.Observe(0, 1);

        // Another replica read and committed up to 100 meanwhile.
        detector.Assigned([Committed(0, 100)]);

        Assert.Null(detector.Observe(0, 100));
    }
}
