using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Section <c>RateLimit</c>: token buckets on the apply endpoint, one per client address (before anything is read) and
/// one per applicant (once its token is validated). 0 permits turns a bucket off.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained applications per second per address. Many users may share one (an office, a carrier's NAT).</summary>
    [Range(0, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>How many an address may send at once before the sustained rate applies.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 200;

    /// <summary>Sustained applications per second per applicant (token subject), whatever address it comes from.</summary>
    [Range(0, 1_000_000)]
    public int SubjectPermitsPerSecond { get; set; } = 2;

    /// <summary>How many an applicant may send at once before its sustained rate applies.</summary>
    [Range(1, 1_000_000)]
    public int SubjectBurst { get; set; } = 5;
}
