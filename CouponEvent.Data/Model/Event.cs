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
}
