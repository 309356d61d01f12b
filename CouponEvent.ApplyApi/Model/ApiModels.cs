using System.Text.Json;
using System.Text.Json.Serialization;

namespace CouponEvent.ApplyApi.Model;

/// <summary>202: admitted, and Kafka holds the application. The coupon row follows shortly. <c>userId</c> is the token's subject.</summary>
public sealed record ApplicationAccepted(string EventId, string UserId, string Status, long Position, Guid ApplicationId);

/// <summary>Where one user's application stands: <c>none</c>, <c>accepted</c>, <c>issued</c>, <c>retrying</c> or <c>refused</c>.</summary>
public sealed record ApplicationStatus(string EventId, string UserId, string Status, DateTimeOffset? IssuedAt)
{
    public const string None = "none";
    public const string Accepted = "accepted";
    public const string Issued = "issued";
    public const string Retrying = "retrying";
    /// <summary>Accepted, then refused by MySQL's quantity guard: the event was full. Kept for an operator.</summary>
    public const string Refused = "refused";
}

/// <summary>An event and its progress; <c>settledAt</c> and <c>settledReason</c> once it is over and settled (MySQL alone holds it then).</summary>
public sealed record EventSummary(
    string Id, string Name, int Quantity, long Admitted, long Issued, long Remaining, bool SoldOut,
    DateTimeOffset? OpensAt, DateTimeOffset? ClosesAt, DateTimeOffset? SettledAt = null, string? SettledReason = null);

/// <summary>Body of <c>POST /api/events</c>.</summary>
public sealed record CreateEventRequest(string Id, string Name, int Quantity, DateTimeOffset? OpensAt = null, DateTimeOffset? ClosesAt = null);

/// <summary>Request bodies are read strictly: names match exactly, and unknown or repeated fields and numbers in strings are errors.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(CreateEventRequest))]
[JsonSerializable(typeof(ApplicationAccepted))]
[JsonSerializable(typeof(ApplicationStatus))]
[JsonSerializable(typeof(EventSummary))]
[JsonSerializable(typeof(FailedEventView[]))]
[JsonSerializable(typeof(Data.Model.ReconciliationReport[]))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>A failed event as operators see it.</summary>
public sealed record FailedEventView(long Id, Guid ApplicationId, string EventId, string UserId, string Status, int Attempts,
    string Error, DateTimeOffset NextAttemptAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static FailedEventView From(Data.Model.FailedEvent f) => new(f.Id, f.ApplicationId, f.EventId, f.UserId,
        Data.Model.FailedEventStatuses.Name(f.Status), f.Attempts, f.Error, f.NextAttemptAt, f.CreatedAt, f.UpdatedAt);
}
