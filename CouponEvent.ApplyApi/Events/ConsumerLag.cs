using Confluent.Kafka;
using CouponEvent.Data.Messages;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// How many messages of <c>coupon_create</c> the coupon consumer group has not committed yet.
/// Zero means every acknowledged application is in MySQL, as a coupon or a failed event.
/// </summary>
public sealed class ConsumerLag(ConsumerConfig kafka, IOptions<RecoveryOptions> options) : IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build());
    private readonly Lazy<IConsumer<Ignore, Ignore>> _probe = new(() => new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
    {
        BootstrapServers = kafka.BootstrapServers,
        GroupId = options.Value.ConsumerGroup,
    }).Build());

    public async Task<long> GetAsync()
    {
        var timeout = TimeSpan.FromSeconds(5);
        var metadata = _admin.Value.GetMetadata(Topics.CouponCreate, timeout);
        var partitions = metadata.Topics.Single().Partitions.Select(p => new TopicPartition(Topics.CouponCreate, p.PartitionId)).ToList();
        var committed = await _admin.Value.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(options.Value.ConsumerGroup, partitions)]);
        var lag = 0L;
        foreach (var offset in committed.Single().Partitions)
        {
            var watermarks = _probe.Value.QueryWatermarkOffsets(offset.TopicPartition, timeout);
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
