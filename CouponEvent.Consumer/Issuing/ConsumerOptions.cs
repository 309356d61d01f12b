using System.ComponentModel.DataAnnotations;

namespace CouponEvent.Consumer.Issuing;

/// <summary>Section <c>Consumer</c>.</summary>
public sealed class ConsumerOptions
{
    [Required]
    public string GroupId { get; set; } = "coupon-consumer";

    /// <summary>Most applications written in one multi-row INSERT.</summary>
    [Range(1, 5000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>How long a batch waits to fill up once its first message is in.</summary>
    [Range(0, 10_000)]
    public int BatchWindowMs { get; set; } = 20;

    /// <summary>Backoff cap while MySQL is away; offsets stay uncommitted meanwhile.</summary>
    [Range(100, 60_000)]
    public int MaxRetryDelayMs { get; set; } = 5000;
}
