using Confluent.Kafka;
using CouponEvent.Data.Messages;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>How far the Consumer's group has got on <c>coupon_create</c>, as Kafka records it: its committed offsets.</summary>
public static class ConsumerProgress
{
    /// <summary>
    /// Waits until the group has committed past every message the topic holds now. The Consumer commits a message's
    /// offset only after its row is written, so from then on every application published so far is in MySQL: a count
    /// taken now is final, and an extra row would be in it.
    /// </summary>
    public static Task WaitUntilCaughtUpAsync(string bootstrapServers, TimeSpan? timeout = null) => Task.Run(async () =>
    {
        // Not subscribed: it only asks the group's coordinator, and never joins the group.
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = Topics.CouponConsumerGroup,
            EnableAutoCommit = false,
        }).Build();
        var partitions = Enumerable.Range(0, Topics.CouponCreatePartitions).Select(p => new TopicPartition(Topics.CouponCreate, p)).ToList();
        // A fresh client's connections may all be down for a moment (a broker that was just hung or restarted): ask again.
        Dictionary<TopicPartition, WatermarkOffsets>? marks = null;
        await Eventually.HoldsAsync(() => Task.FromResult(Asked(() => marks = partitions.ToDictionary(p => p, p => probe.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)))) is not null), timeout);

        // Caught up: committed up to the end, or nothing left to read (all that remained was deleted unread).
        await Eventually.HoldsAsync(() => Task.FromResult(Asked(() => probe.Committed(partitions, TimeSpan.FromSeconds(10)))?
            .All(c => Math.Max(c.Offset.Value, marks![c.TopicPartition].Low.Value) >= marks[c.TopicPartition].High.Value) == true), timeout);
    });

    /// <summary>The answer, or null when the brokers could not be asked just now.</summary>
    private static T? Asked<T>(Func<T> ask) where T : class
    {
        try
        {
            return ask();
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            return null;
        }
    }
}
