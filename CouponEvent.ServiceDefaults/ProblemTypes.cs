using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// One kind of problem (RFC 9457): its <c>type</c>, <c>urn:couponevent:{name}</c>, with the status and title that every
/// occurrence shares; what differs between occurrences goes in the detail.
/// </summary>
public sealed record ProblemType(string Name, int Status, string Title)
{
    public string Uri => ProblemDetailsDefaults.TypePrefix + Name;

    public ProblemDetails With(string? detail) => new() { Type = Uri, Status = Status, Title = Title, Detail = detail };

    /// <summary>A problem with one field at fault: <c>errors</c> names it, as ASP.NET Core's validation problems do.</summary>
    public HttpValidationProblemDetails With(string detail, string field) =>
        new(new Dictionary<string, string[]> { [field] = [detail] }) { Type = Uri, Status = Status, Title = Title, Detail = detail };
}

/// <summary>Every problem type that any service answers with: the catalogue the README lists.</summary>
public static class ProblemTypes
{
    // The request itself.
    public static readonly ProblemType InvalidRequest = new("invalid-request", StatusCodes.Status400BadRequest, "The request is not valid.");
    public static readonly ProblemType InvalidEventId = new("invalid-event-id", StatusCodes.Status400BadRequest, "The event id is not valid.");
    public static readonly ProblemType RequestTooLarge = new("request-too-large", StatusCodes.Status413PayloadTooLarge, "The request body is too large.");
    public static readonly ProblemType UnsupportedMediaType = new("unsupported-media-type", StatusCodes.Status415UnsupportedMediaType, "The request body must be JSON.");
    public static readonly ProblemType NotFound = new("not-found", StatusCodes.Status404NotFound, "Nothing is at this path.");
    public static readonly ProblemType MethodNotAllowed = new("method-not-allowed", StatusCodes.Status405MethodNotAllowed, "The method is not allowed here.");
    public static readonly ProblemType RateLimited = new("rate-limited", StatusCodes.Status429TooManyRequests, "Too many applications from this client.");
    public static readonly ProblemType RequestRefused = new("request-refused", StatusCodes.Status400BadRequest, "The request was refused.");

    // Who asks.
    public static readonly ProblemType Unauthorized = new("unauthorized", StatusCodes.Status401Unauthorized, "A valid access token is required.");
    public static readonly ProblemType Forbidden = new("forbidden", StatusCodes.Status403Forbidden, "The request is not allowed.");
    public static readonly ProblemType IdentityUnavailable = new("identity-unavailable", StatusCodes.Status503ServiceUnavailable, "The token issuer cannot be reached.");

    // Events and applications.
    public static readonly ProblemType EventNotFound = new("event-not-found", StatusCodes.Status404NotFound, "There is no such event.");
    public static readonly ProblemType EventNotOpen = new("event-not-open", StatusCodes.Status403Forbidden, "The event is not open yet.");
    public static readonly ProblemType EventClosed = new("event-closed", StatusCodes.Status403Forbidden, "The event is closed.");
    public static readonly ProblemType AlreadyApplied = new("already-applied", StatusCodes.Status409Conflict, "This user already holds a coupon slot in this event.");
    public static readonly ProblemType SoldOut = new("sold-out", StatusCodes.Status410Gone, "The event is sold out.");
    public static readonly ProblemType EventExists = new("event-exists", StatusCodes.Status409Conflict, "The event id is taken.");
    public static readonly ProblemType FailedEventNotFound = new("failed-event-not-found", StatusCodes.Status404NotFound, "There is no such failed event.");
    public static readonly ProblemType NotParked = new("not-parked", StatusCodes.Status409Conflict, "Only a parked failed event can be re-driven.");

    // The servers behind.
    public static readonly ProblemType ServiceUnavailable = new("service-unavailable", StatusCodes.Status503ServiceUnavailable, "The service is briefly unavailable.");
    public static readonly ProblemType EventRecovering = new("event-recovering", StatusCodes.Status503ServiceUnavailable, "The event's state is being rebuilt.");
    public static readonly ProblemType OutcomeUnknown = new("outcome-unknown", StatusCodes.Status503ServiceUnavailable, "The application's outcome is not known yet.");
    public static readonly ProblemType ServerError = new("server-error", StatusCodes.Status500InternalServerError, "The server failed.");

    // The local Kafka's fault injection (KafkaMock).
    public static readonly ProblemType InvalidOffset = new("invalid-offset", StatusCodes.Status400BadRequest, "The offset is not valid.");
    public static readonly ProblemType PartitionNotFound = new("partition-not-found", StatusCodes.Status404NotFound, "There is no such partition.");
    public static readonly ProblemType BrokerNotFound = new("broker-not-found", StatusCodes.Status404NotFound, "There is no such broker.");

    public static IReadOnlyList<ProblemType> All { get; } = typeof(ProblemTypes).GetFields()
        .Where(f => f.FieldType == typeof(ProblemType)).Select(f => (ProblemType)f.GetValue(null)!).ToArray();

    /// <summary>The type of a problem that the framework wrote (routing, binding, authorization), by its status.</summary>
    public static ProblemType ForStatus(int? status) => status switch
    {
        StatusCodes.Status400BadRequest => InvalidRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => RequestTooLarge,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        >= 500 => ServerError,
        _ => RequestRefused,
    };
}
