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
