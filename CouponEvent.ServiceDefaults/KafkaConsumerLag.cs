using Confluent.Kafka;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// How many messages of a topic a consumer group has not committed yet, over all partitions.
/// Zero means the group has processed everything the brokers hold.
/// </summary>
public sealed class KafkaConsumerLag(string bootstrapServers, string groupId, string topic)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public Task<long> GetAsync() => Task.Run(() =>
    {
        // A fresh, short-lived handle for each (rare) question: a long-lived one can sit on a connection that a broker
        // outage left dead. It never joins the group (no Subscribe); it only reads the group's committed offsets.
        // (The admin API's ListConsumerGroupOffsets is avoided: during a broker outage it has aborted the process
        // with a librdkafka assertion in rd_kafka_enq_once_del_source_return.)
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            SocketTimeoutMs = 5000,
        }).Build();
        using var metadataClient = new DependentAdminClientBuilder(probe.Handle).Build();

        var partitions = metadataClient.GetMetadata(topic, Timeout).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var lag = 0L;
        foreach (var offset in probe.Committed(partitions, Timeout))
        {
            var watermarks = probe.QueryWatermarkOffsets(offset.TopicPartition, Timeout);
            // No commit yet: everything still in the partition is unconsumed. A commit below the log's start means
            // messages deleted unread: they can never be read, so they are no lag (reconciliation settles them), and a
            // partition that gets nothing new after them would otherwise lag for ever.
            var consumed = Math.Max(offset.Offset.Value, watermarks.Low.Value);
            lag += Math.Max(0, watermarks.High.Value - consumed);
        }
        return lag;
    });
}
