using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Events;

/// <summary>Section <c>Events</c>.</summary>
public sealed class EventsOptions
{
    /// <summary>Create the course's event (id <c>default</c>, always open) at start-up when it does not exist.</summary>
    public bool CreateDefaultEvent { get; set; } = true;

    [Range(1, 10_000_000)]
    public int DefaultQuantity { get; set; } = 100;
}

/// <summary>Section <c>Admin</c>.</summary>
public sealed class AdminOptions
{
    /// <summary>Key for the admin endpoints, sent as header <c>X-Api-Key</c>. Unset: admin endpoints answer 403.</summary>
    public string? ApiKey { get; set; }
}

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

/// <summary>Section <c>Recovery</c>: rebuilding an event's Redis state from MySQL after Redis lost it.</summary>
public sealed class RecoveryOptions
{
    /// <summary>
    /// How long an event's state must have been missing before it is rebuilt: longer than the producer's
    /// <c>message.timeout.ms</c> (5 s), so that a publish admitted by the lost state has landed in Kafka or failed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often Redis is checked for lost event state, and known events are refreshed from MySQL.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Section <c>SoldOut</c>: how instances remember winners and sold-out events (<see cref="Admission.RememberedAnswers"/>).</summary>
public sealed class SoldOutOptions
{
    /// <summary>
    /// How often a sold-out event's winner count is checked against Redis, and the winners remembered before a sell-out
    /// are forgotten, in case an announcement was lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Sold-out events with more coupons than this are not remembered, nor more winners of an event before its sell-out
    /// (their sets would cost memory); Redis answers them.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxCachedWinners { get; set; } = 1_000_000;
}
