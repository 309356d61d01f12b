using System.ComponentModel.DataAnnotations;

namespace CouponEvent.RetryJob.Reconciling;

/// <summary>Section <c>Reconciliation</c>.</summary>
public sealed class ReconciliationOptions
{
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How old an admission must be before a winner with nothing in MySQL is issued from Redis's record: far longer
    /// than a publish can take (the producer gives up after 5 s) and than the consumer normally needs, so that the
    /// count of coupons issued from Redis means messages that really never arrived.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:06", "1.00:00:00")]
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long an event must have been over (sold out: since its last coupon; closed: since its window closed), and
    /// any recovery of it past, with everything in order, before it settles: its keys leave Redis, and reconciliation
    /// and ApplyApi's checks no longer visit it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan SettleAfter { get; set; } = TimeSpan.FromMinutes(10);
}
