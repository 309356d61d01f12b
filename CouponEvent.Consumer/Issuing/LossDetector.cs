using Confluent.Kafka;

namespace CouponEvent.Consumer.Issuing;

/// <summary>
/// Notices acknowledged messages that Kafka deleted before this consumer read them: retention shorter than an outage,
/// librdkafka's mock broker dropping the oldest messages of a full log, a truncated partition. The offsets of
/// <c>coupon_create</c> are consecutive (no transactions, no compaction), so a message past the offset expected next
/// means the ones in between are gone: the consumer's position was no longer in the log, and librdkafka reset it to the
/// earliest offset the broker still held. What is expected next is the group's committed offset at assignment, then
/// the offset after each message read.
/// </summary>
public sealed class LossDetector
{
    private readonly Dictionary<int, long> _next = [];

    /// <summary>Starts over for the partitions just assigned, from what the group had committed (nothing known without a commit).</summary>
    public void Assigned(IEnumerable<TopicPartitionOffset> committed)
    {
        foreach (var position in committed)
        {
            if (position.Offset.Value >= 0) _next[position.Partition.Value] = position.Offset.Value;
            else _next.Remove(position.Partition.Value);
        }
    }

    /// <returns>The offsets lost just before <paramref name="partition"/>'s message at <paramref name="offset"/>, if any.</returns>
    public LostRange? Observe(int partition, long offset)
    {
        LostRange? lost = _next.TryGetValue(partition, out var expected) && offset > expected ? new(partition, expected, offset) : null;
        // A message read again (a batch redelivered after a rebalance) moves nothing back: the gap was counted once.
        if (!_next.TryGetValue(partition, out var next) || offset + 1 > next) _next[partition] = offset + 1;
        return lost;
    }
}

/// <summary>Offsets <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive) of a partition, deleted unread.</summary>
public readonly record struct LostRange(int Partition, long From, long To)
{
    public long Count => To - From;
}
