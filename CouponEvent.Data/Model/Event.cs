namespace CouponEvent.Data.Model;

/// <summary>A coupon event: the first <see cref="Quantity"/> distinct users who apply within the window win.</summary>
public sealed class Event
{
    /// <summary>Lower-case letters, digits and dashes; see <see cref="EventIds"/>.</summary>
    public required string Id { get; init; }
    public required string Name { get; set; }
    public required int Quantity { get; set; }
    /// <summary>Applications before this instant are refused; null means open from creation.</summary>
    public DateTimeOffset? OpensAt { get; set; }
    /// <summary>Applications from this instant on are refused; null means never closes.</summary>
    public DateTimeOffset? ClosesAt { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// Coupon rows of this event, kept by the database itself (a trigger on <c>coupons</c>) and checked against
    /// <see cref="Quantity"/> by a constraint: whatever Redis says, MySQL cannot hold coupon N+1.
    /// </summary>
    public int Issued { get; private set; }
    /// <summary>
    /// When the event was settled (over, every winner a row, nothing open): its keys left Redis and only MySQL answers
    /// for it. Null while live; set back to null by the database when a failed event of it opens again.
    /// </summary>
    public DateTimeOffset? SettledAt { get; set; }
    /// <summary>Why it settled: one of <see cref="SettledReasons"/>; null while live.</summary>
    public string? SettledReason { get; set; }
}

/// <summary>Why an event settled.</summary>
public static class SettledReasons
{
    /// <summary>Every coupon issued.</summary>
    public const string SoldOut = "sold-out";
    /// <summary>Its window closed.</summary>
    public const string Closed = "closed";
}
