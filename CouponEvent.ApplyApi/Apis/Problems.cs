using System.Collections.Concurrent;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Mvc;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// What this API's problems say: the detail of each occurrence. Their types, statuses and titles are
/// <see cref="ProblemTypes"/>'; which outcome of an application gets which is <see cref="ApplyOutcomes"/>'.
/// </summary>
internal static class Problems
{
    /// <summary>The problem that answers a refused application.</summary>
    public static Problem<EventsApi.ApplyProblems> For(ApplyResult result) => result.Outcome switch
    {
        ApplyOutcome.AlreadyApplied => new(AlreadyApplied),
        ApplyOutcome.SoldOut => new(SoldOut(result.EventId)),
        var outcome when result.Field is { } field => new(ApplyOutcomes.Of(outcome).Problem!.With(Detail(result)!, field)),
        var outcome => new(ApplyOutcomes.Of(outcome).Problem!.With(Detail(result))),
    };

    private static string? Detail(ApplyResult r) => r.Outcome switch
    {
        ApplyOutcome.UnknownEvent => UnknownEventDetail(r.EventId),
        ApplyOutcome.NotOpen => $"Applications to '{r.EventId}' are accepted from its opening time on.",
        ApplyOutcome.Closed => $"Applications to '{r.EventId}' are no longer accepted.",
        ApplyOutcome.Recovering => "Nothing was recorded for this request: try again in a few seconds.",
        ApplyOutcome.RedisUnavailable => UnavailableDetail("Redis"),
        ApplyOutcome.ReplicasUnavailable => UnavailableDetail("Redis's replicas"),
        ApplyOutcome.KafkaRefused => UnavailableDetail("Kafka"),
        ApplyOutcome.OutcomeUnknown => "The slot stays this application's: its coupon follows, through Kafka or, if Kafka never got it, " +
            $"from reconciliation. See /api/events/{r.EventId}/applications/me.",
        ApplyOutcome.AdmissionUnknown => "Redis failed while admitting this application: it may hold a slot, or not. " +
            $"/api/events/{r.EventId}/applications/me tells which; applying again is safe (409 if it holds one).",
        _ => r.Detail,
    };

    public static string InvalidEventIdDetail(string eventId) => $"eventId must match {EventIds.Pattern}; got {Shorten(eventId)}.";

    public static ProblemDetails InvalidEventId(string eventId) => ProblemTypes.InvalidEventId.With(InvalidEventIdDetail(eventId), "eventId");

    public static ProblemDetails InvalidUserId(string userId) => ProblemTypes.InvalidRequest.With(
        $"userId must be 1 to {IdentityContract.MaxSubjectLength} printable ASCII characters, no spaces (a token's subject); got {Shorten(userId)}.",
        "userId");

    public static ProblemDetails UnknownEvent(string eventId) => ProblemTypes.EventNotFound.With(UnknownEventDetail(eventId));

    public static ProblemDetails Unavailable(string dependency) => ProblemTypes.ServiceUnavailable.With(UnavailableDetail(dependency));

    private static string UnknownEventDetail(string eventId) => $"No event has id '{eventId}'.";

    private static string UnavailableDetail(string dependency) => $"{dependency} did not answer. Nothing was recorded for this request: try again.";

    /// <summary>Serialized once (<see cref="ProblemBody"/>): a user's repeats, and a burst's, are answered with it.</summary>
    public static readonly ProblemBody AlreadyApplied = new(ProblemTypes.AlreadyApplied.With("One coupon per user."));

    /// <summary>Serialized once per event (<see cref="ProblemBody"/>): the answer to every loser of a race.</summary>
    public static ProblemBody SoldOut(string eventId)
    {
        if (SoldOutBodies.TryGetValue(eventId, out var body)) return body;
        // Only events Redis holds get here; still, a long-lived instance starts over rather than grow without end.
        if (SoldOutBodies.Count >= MaxSoldOutBodies) SoldOutBodies.Clear();
        return SoldOutBodies.GetOrAdd(eventId, id => new ProblemBody(ProblemTypes.SoldOut.With($"Every coupon of '{id}' has been given away.")));
    }

    private const int MaxSoldOutBodies = 1024;
    private static readonly ConcurrentDictionary<string, ProblemBody> SoldOutBodies = new();

    private static string Shorten(string value) => value.Length <= 80 ? $"'{value}'" : $"'{value[..80]}…' ({value.Length} characters)";
}
