using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>Section <c>RateLimit</c>: per client (remote IP) on the apply endpoint.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained applications per second per client; 0 turns the limit off.</summary>
    [Range(0, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 20;

    /// <summary>How many a client may send at once before the sustained rate applies.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 40;
}
