namespace CouponEvent.Data.Model;

/// <summary>The latest comparison of an event's Redis state with MySQL, written by the RetryJob's reconciler.</summary>
public sealed class ReconciliationReport
{
    public required string EventId { get; init; }
    public DateTimeOffset CheckedAt { get; set; }
    public int Quantity { get; set; }
    /// <summary>Winners in Redis.</summary>
    public long Admitted { get; set; }
    /// <summary>Coupon rows in MySQL.</summary>
    public long Issued { get; set; }
    /// <summary>Failed events still pending or parked.</summary>
    public long FailedOpen { get; set; }
    /// <summary>Winners with neither a coupon nor a failed event (in flight, or never published).</summary>
    public long Unissued { get; set; }
    /// <summary>Winners whose publish outcome was unknown, not yet settled.</summary>
    public long Pending { get; set; }
    /// <summary>Slots freed by this check: past the grace period, consumer caught up, nothing in MySQL.</summary>
    public long Released { get; set; }
    /// <summary>Coupons of users Redis does not hold as winners: reported, never fixed automatically.</summary>
    public long IssuedWithoutAdmission { get; set; }
    /// <summary>Coupons beyond the quantity: must stay 0.</summary>
    public long OverIssued { get; set; }
    /// <summary>ok, consumer-lagging, redis-state-missing or attention (see the counts).</summary>
    public required string Status { get; set; }
}
