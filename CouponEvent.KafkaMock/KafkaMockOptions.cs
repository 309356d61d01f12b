using System.ComponentModel.DataAnnotations;

namespace CouponEvent.KafkaMock;

/// <summary>Section <c>KafkaMock</c>, set by the AppHost's <c>AddKafkaMock</c> (KafkaBuilderExtensions).</summary>
public sealed class KafkaMockOptions
{
    public const string SectionName = "KafkaMock";

    /// <summary>The loopback port clients bootstrap from (Aspire allocates it).</summary>
    [Range(1, 65535)]
    public int Port { get; set; }

    [Range(1, 3)]
    public int Brokers { get; set; } = 1;

    /// <summary>Topics created at start, name → partitions (the mock does not answer the admin API's CreateTopics).</summary>
    public Dictionary<string, int> Topics { get; set; } = [];

    /// <summary>Topic → the consumer group that must read it: its unread messages are watched (<see cref="UnreadLogCheck"/>).</summary>
    public Dictionary<string, string> Readers { get; set; } = [];
}
