using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace CouponEvent.Data.Messages;

/// <summary>A topic to provision: its name and partitions.</summary>
public sealed record TopicDefinition(string Name, int Partitions);

/// <summary>
/// Creates the topics that are missing, replicated: replication factor 3 and <c>min.insync.replicas=2</c>, so that a
/// producer's <c>acks=all</c> means two copies, or as many as a smaller cluster has brokers (one broker: one copy).
/// Topics that exist are left as they are: their settings are the operator's. Run by the AppHost when Kafka is ready
/// and by the Consumer at start, so a deployment without the AppHost gets the same topics.
/// </summary>
public static class TopicProvisioning
{
    public const int ReplicationFactor = 3;
    public const int MinInSyncReplicas = 2;

    /// <summary>The topics CouponEvent needs: <see cref="Topics.CouponCreate"/> and its dead-letter topic (one partition: rare, and read by people).</summary>
    public static IReadOnlyList<TopicDefinition> All { get; } =
        [new(Topics.CouponCreate, Topics.CouponCreatePartitions), new(Topics.CouponCreateDeadLetter, 1)];

    /// <summary>Creates those of <paramref name="topics"/> the cluster lacks; returns their names.</summary>
    public static async Task<IReadOnlyList<string>> CreateMissingAsync(string bootstrapServers, IEnumerable<TopicDefinition> topics)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).Select(t => t.Topic).ToHashSet();
        var replicas = (short)Math.Min(ReplicationFactor, metadata.Brokers.Count);
        var missing = topics.Where(t => !existing.Contains(t.Name))
            .Select(t => new TopicSpecification
            {
                Name = t.Name,
                NumPartitions = t.Partitions,
                ReplicationFactor = replicas,
                Configs = new() { ["min.insync.replicas"] = Math.Min(MinInSyncReplicas, (int)replicas).ToString() },
            })
            .ToList();
        if (missing.Count == 0) return [];
        try
        {
            await admin.CreateTopicsAsync(missing);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another replica, or the AppHost, created them meanwhile.
        }
        return [.. missing.Select(t => t.Name)];
    }
}
