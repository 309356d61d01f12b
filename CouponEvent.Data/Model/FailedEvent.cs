namespace CouponEvent.Data.Model;

/// <summary>
/// An application the consumer could not issue: the RetryJob tries it again later; or one that MySQL refused because
/// its event had no coupon left (<see cref="FailedEventStatus.Refused"/>), kept for an operator.
/// </summary>
public sealed class FailedEvent
{
    public long Id { get; init; }
    public required Guid ApplicationId { get; init; }
    public required string EventId { get; init; }
    public required string UserId { get; init; }
    public required string Error { get; set; }
    public int Attempts { get; set; }
    public FailedEventStatus Status { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>W3C <c>traceparent</c> of the Consumer's span for this application: retries continue its trace.</summary>
    public string? TraceParent { get; init; }
}

public enum FailedEventStatus
{
    /// <summary>Waiting for its next attempt.</summary>
    Pending = 0,
    /// <summary>The coupon was issued by a retry.</summary>
    Resolved = 1,
    /// <summary>Out of attempts: kept for an operator, never dropped.</summary>
    Parked = 2,
    /// <summary>
    /// The event's every coupon was issued already: Redis admitted more applications than the quantity (it lost
    /// writes and was not fenced, say). MySQL's guard refused it; kept, alerted on and listed, never retried.
    /// </summary>
    Refused = 3,
}

/// <summary>
/// A status's one spelling outside MySQL (the admin API, metrics, logs): its name in lower case. In MySQL it is the
/// enum's number, mapped by EF Core and passed by <see cref="FailedEventStore"/> as a parameter.
/// </summary>
public static class FailedEventStatuses
{
    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<FailedEventStatus>().Select(Name).ToArray();

    public static string Name(FailedEventStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>A status by its name, in any case; numbers are not names.</summary>
    public static bool TryParse(string name, out FailedEventStatus status)
    {
        status = Enum.GetValues<FailedEventStatus>().FirstOrDefault(s => string.Equals(Name(s), name, StringComparison.OrdinalIgnoreCase));
        return Names.Contains(name, StringComparer.OrdinalIgnoreCase);
    }
}
