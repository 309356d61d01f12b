using Microsoft.AspNetCore.Mvc;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// The problem types this API answers with (RFC 7807). Each <c>type</c> is <c>urn:couponevent:{name}</c>
/// (<see cref="ProblemDetailsDefaults"/>); the README lists them.
/// </summary>
internal static class Problems
{
    public static ProblemDetails Of(int status, string type, string title, string? detail = null) => new()
    {
        Status = status,
        Type = ProblemDetailsDefaults.Type(type),
        Title = title,
        Detail = detail,
    };

    public static ProblemDetails InvalidEventId(string eventId) => Of(StatusCodes.Status400BadRequest, "invalid-event-id",
        "The event id is not valid.",
        $"eventId must match {Data.Model.EventIds.Pattern}; got {Shorten(eventId)}.");

    public static ProblemDetails InvalidBody(string detail) =>
        Of(StatusCodes.Status400BadRequest, "invalid-request", "The request body is not valid.", detail);

    public static ProblemDetails InvalidUserId(long userId) =>
        Of(StatusCodes.Status400BadRequest, "invalid-request", "The user id is not valid.", $"userId must be a positive 64-bit integer; got {userId}.");

    public static ProblemDetails BodyTooLarge(int maxBytes) => Of(StatusCodes.Status413PayloadTooLarge, "request-too-large",
        "The request body is too large.", $"The body must not exceed {maxBytes} bytes.");

    public static ProblemDetails NotJson() => Of(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type",
        "The request body must be JSON.", "Content-Type must be application/json.");

    public static ProblemDetails UnknownEvent(string eventId) =>
        Of(StatusCodes.Status404NotFound, "event-not-found", "There is no such event.", $"No event has id '{eventId}'.");

    public static ProblemDetails Unavailable(string dependency) => Of(StatusCodes.Status503ServiceUnavailable,
        "service-unavailable", "The service is briefly unavailable.",
        $"{dependency} did not answer. Nothing was recorded for this request: try again.");

    private static string Shorten(string value) => value.Length <= 80 ? $"'{value}'" : $"'{value[..80]}…' ({value.Length} characters)";
}
