using System.ComponentModel.DataAnnotations;
using CouponEvent.Data.Messages;

namespace CouponEvent.Consumer.Issuing;

/// <summary>Section <c>Consumer</c>.</summary>
public sealed class ConsumerOptions
{
    /// <summary>
    /// <see cref="Topics.CouponConsumerGroup"/>, which ApplyApi and the RetryJob watch. Another name only for a consumer
    /// that must not share the service's partitions (a test's).
    /// </summary>
    [Required]
    public string GroupId { get; set; } = Topics.CouponConsumerGroup;

    /// <summary>Most applications written in one multi-row INSERT.</summary>
    [Range(1, 5000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>How long a batch waits to fill up once its first message is in.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Backoff cap while MySQL is away; offsets stay uncommitted meanwhile.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
