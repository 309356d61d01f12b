using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CouponEvent.KafkaMock;

/// <summary>
/// Degraded when a consumer group's unread messages of a partition near what librdkafka's mock broker keeps of it:
/// past that, the oldest are deleted before they are read (the consumer reports them lost, reconciliation issues them
/// from Redis). The mock keeps the last 5 MiB or 100,000 message sets of a partition; until a partition has dropped
/// anything, how many messages fit is estimated from the size of its newest one. ASP.NET Core logs a degraded check
/// as a warning each time it runs.
/// </summary>
public sealed class UnreadLogCheck(MockKafkaCluster cluster, IOptions<KafkaMockOptions> options) : IHealthCheck
{
    private const long MaxPartitionBytes = 5 * 1024 * 1024;
    private const long MaxPartitionMessageSets = 100_000;
    /// <summary>A record batch's header and one record's framing, as the Kafka protocol (v2) lays them out.</summary>
    private const long BatchOverheadBytes = 61 + 10;
    private const double WarnAt = 0.5;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            var warnings = new List<string>();
            var data = new Dictionary<string, object>();
            foreach (var (topic, group) in options.Value.Readers)
            {
                List<PartitionState> partitions;
                try
                {
                    partitions = Read(topic, group);
                }
                catch (KafkaException ex)
                {
                    warnings.Add($"{topic}: not readable ({ex.Error.Reason})");
                    continue;
                }
                foreach (var p in partitions)
                {
                    data[$"{topic}[{p.Partition}].unread"] = p.Unread;
                    data[$"{topic}[{p.Partition}].kept"] = p.Capacity;
                    if (p.DeletedUnread > 0)
                        warnings.Add($"{topic}[{p.Partition}]: {p.DeletedUnread:N0} messages deleted before {group} read them");
                    else if (p.Unread >= WarnAt * p.Capacity)
                        warnings.Add($"{topic}[{p.Partition}]: {group} has {p.Unread:N0} unread of the ~{p.Capacity:N0} messages the mock keeps");
                }
            }
            return warnings.Count == 0
                ? HealthCheckResult.Healthy(data: data)
                : HealthCheckResult.Degraded("Unread messages near librdkafka's mock broker's limit; beyond it the oldest are deleted unread: "
                    + string.Join("; ", warnings), data: data);
        }, cancellationToken);

    private sealed record PartitionState(int Partition, long Unread, long Capacity, long DeletedUnread);

    private List<PartitionState> Read(string topic, string group)
    {
        // The group's own id, to read its committed offsets; it never subscribes, so it never joins the group, and it commits nothing.
        using var probe = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
            SocketTimeoutMs = 5000,
        }).Build();
        using var metadata = new DependentAdminClientBuilder(probe.Handle).Build();
        var partitions = metadata.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var states = new List<PartitionState>();
        foreach (var committed in probe.Committed(partitions, TimeSpan.FromSeconds(5)))
        {
            var (low, high) = probe.QueryWatermarkOffsets(committed.TopicPartition, TimeSpan.FromSeconds(5)) is var w ? (w.Low.Value, w.High.Value) : default;
            var position = committed.Offset.Value >= 0 ? committed.Offset.Value : low;
            var unread = Math.Max(0, high - Math.Max(position, low));
            // The estimate reads a message (a fetch the mock answers by scanning its log): only when something is unread.
            var capacity = low > 0 ? high - low : unread == 0 ? MaxPartitionMessageSets : EstimatedCapacity(probe, committed.TopicPartition, high);
            states.Add(new PartitionState(committed.Partition.Value, unread, capacity, Math.Max(0, low - position)));
        }
        return states;
    }

    /// <summary>How many messages like the newest one the partition keeps, each its own message set (the fewest it can be).</summary>
    private static long EstimatedCapacity(IConsumer<byte[], byte[]> probe, TopicPartition partition, long high)
    {
        if (high == 0) return MaxPartitionMessageSets;
        probe.Assign(new TopicPartitionOffset(partition, high - 1));
        try
        {
            var newest = probe.Consume(TimeSpan.FromSeconds(2))?.Message;
            if (newest is null) return MaxPartitionMessageSets;
            var bytes = BatchOverheadBytes + (newest.Key?.Length ?? 0) + (newest.Value?.Length ?? 0)
                        + (newest.Headers?.Sum(h => h.Key.Length + (h.GetValueBytes()?.Length ?? 0)) ?? 0);
            return Math.Min(MaxPartitionMessageSets, MaxPartitionBytes / bytes);
        }
        finally
        {
            probe.Unassign();
        }
    }
}
