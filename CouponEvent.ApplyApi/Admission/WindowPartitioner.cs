using Confluent.Kafka;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// Chooses <c>coupon_create</c>'s partition by time, not by key: every application published in one short window goes
/// to the same partition, so a linger window's messages travel as one message set in one produce request (hashing the
/// key <c>{eventId}:{userId}</c> scattered them, one message per partition per request); consecutive windows go round
/// the partitions, so an event still spreads over all of them. The Consumer is idempotent on (event, user), so no order
/// between one user's messages is needed. The same holds for a real Kafka, which likewise prefers fewer, larger batches
/// (its own producer's sticky partitioner does this for messages without a key).
/// </summary>
internal static class WindowPartitioner
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(5);

    // Each instance starts at its own partition: replicas do not all pile onto one at a time.
    private static readonly long Offset = Random.Shared.Next(1024);

    public static Partition Choose(string topic, int partitionCount, ReadOnlySpan<byte> keyData, bool keyIsNull) =>
        new((int)((Environment.TickCount64 / (long)Window.TotalMilliseconds + Offset) % partitionCount));
}
