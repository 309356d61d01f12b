namespace CouponEvent.Data.Model;

/// <summary>An issued coupon. (EventId, UserId) is unique: a redelivered application is a no-op.</summary>
public sealed class Coupon
{
    public long Id { get; init; }
    public required string EventId { get; init; }
    public required string UserId { get; init; }
    public required Guid ApplicationId { get; init; }
    public DateTimeOffset IssuedAt { get; init; }
}
