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
    /// <summary>Coupons issued by reconciliation from Redis's record so far, every check adding its own: winners past the
    /// grace period with nothing in MySQL once the consumer had caught up, whose messages Kafka lost (deleted before
    /// they were read), were never sent, or had an unknown outcome. Above 0 means Kafka lost what it acknowledged or a
    /// publish failed: look at the Consumer's lost-message alarms.</summary>
    public long IssuedFromRedis { get; set; }
    /// <summary>Coupons of users Redis does not hold as winners: reported, never fixed automatically.</summary>
    public long IssuedWithoutAdmission { get; set; }
    /// <summary>Coupons beyond the quantity: must stay 0.</summary>
    public long OverIssued { get; set; }
    /// <summary>Applications that MySQL's quantity guard refused (failed events with status refused): 202s not honoured.</summary>
    public long Refused { get; set; }
    /// <summary>When ApplyApi last rebuilt or re-verified this event's state in Redis from MySQL; null if never.</summary>
    public DateTimeOffset? RecoveredAt { get; set; }
    /// <summary>Why: state-missing (Redis lost the event), server-changed (a restart or a failover: another Redis process),
    /// role-changed (the same process became a replica and a master again).</summary>
    public string? RecoveryCause { get; set; }
    /// <summary>Winners MySQL knew of that Redis had lost (the writes a rollback took away), put back by that recovery.</summary>
    public long? RecoveryRestored { get; set; }
    /// <summary>
    /// ok; consumer-lagging; redis-state-missing (being rebuilt); redis-unverified (Redis restarted or failed over:
    /// admissions wait for ApplyApi's recovery); attention (see the counts).
    /// </summary>
    public required string Status { get; set; }

    public const string Ok = "ok";
    public const string ConsumerLagging = "consumer-lagging";
    public const string RedisStateMissing = "redis-state-missing";
    public const string RedisUnverified = "redis-unverified";
    public const string Attention = "attention";
    /// <summary>The event settled in this check: over, every winner a row, nothing open; its keys left Redis.</summary>
    public const string Settled = "settled";
}
