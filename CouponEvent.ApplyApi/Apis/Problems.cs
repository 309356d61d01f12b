using System.Collections.Concurrent;
using CouponEvent.ServiceDefaults;
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

    /// <summary>Serialized once (<see cref="ProblemBody"/>): a user's repeats, and a burst's, are answered with it.</summary>
    public static readonly ProblemBody AlreadyApplied = new(Of(StatusCodes.Status409Conflict, "already-applied",
        "This user already holds a coupon slot in this event.", "One coupon per user."));

    /// <summary>Serialized once per event (<see cref="ProblemBody"/>): the answer to every loser of a race.</summary>
    public static ProblemBody SoldOut(string eventId)
    {
        if (SoldOutBodies.TryGetValue(eventId, out var body)) return body;
        // Only events Redis holds get here; still, a long-lived instance starts over rather than grow without end.
        if (SoldOutBodies.Count >= MaxSoldOutBodies) SoldOutBodies.Clear();
        return SoldOutBodies.GetOrAdd(eventId, id => new ProblemBody(Of(StatusCodes.Status410Gone, "sold-out",
            "The event is sold out.", $"Every coupon of '{id}' has been given away.")));
    }

    private const int MaxSoldOutBodies = 1024;
    private static readonly ConcurrentDictionary<string, ProblemBody> SoldOutBodies = new();

    private static string Shorten(string value) => value.Length <= 80 ? $"'{value}'" : $"'{value[..80]}…' ({value.Length} characters)";
}
