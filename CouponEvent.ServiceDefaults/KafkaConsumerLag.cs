using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How many messages of a topic a consumer group has not committed yet, over all partitions.
/// Zero means the group has processed everything the brokers hold.
/// </summary>
public sealed class KafkaConsumerLag(string bootstrapServers, string groupId, string topic) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build());
    // Watermarks come from a consumer handle; it never joins the group (no Subscribe).
    private readonly Lazy<IConsumer<Ignore, Ignore>> _probe = new(() =>
        new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = groupId }).Build());

    public async Task<long> GetAsync()
    {
        var metadata = _admin.Value.GetMetadata(topic, Timeout);
        var partitions = metadata.Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var committed = await _admin.Value.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(groupId, partitions)]);
        var lag = 0L;
        foreach (var offset in committed.Single().Partitions)
        {
            var watermarks = _probe.Value.QueryWatermarkOffsets(offset.TopicPartition, Timeout);
            // No commit yet: everything still in the partition is unconsumed.
            var consumed = offset.Offset.Value >= 0 ? offset.Offset.Value : watermarks.Low.Value;
            lag += Math.Max(0, watermarks.High.Value - consumed);
        }
        return lag;
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated) _admin.Value.Dispose();
        if (_probe.IsValueCreated) _probe.Value.Dispose();
    }
}
