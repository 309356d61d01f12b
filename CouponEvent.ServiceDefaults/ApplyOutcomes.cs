using Microsoft.AspNetCore.Http;

namespace CouponEvent.ServiceDefaults;

/// <summary>What became of one application. <see cref="ApplyOutcomes"/> gives each its answer and its count.</summary>
/// <remarks>
/// Redis's admission function returns the negative values itself, so Redis, ApplyApi, its metric and the race view
/// call one outcome by one name.
/// </remarks>
public enum ApplyOutcome
{
    Admitted = 0,
    UnknownEvent = -1,
    NotOpen = -2,
    Closed = -3,
    AlreadyApplied = -4,
    SoldOut = -5,
    /// <summary>Redis restarted, failed over or lost the event, and it is not yet reconciled with MySQL.</summary>
    Recovering = -6,
    InvalidEventId = 1,
    InvalidRequest,
    /// <summary>No bearer token, or one that does not validate.</summary>
    Unauthenticated,
    /// <summary>A valid token without the apply scope, or whose subject is not an applicant id.</summary>
    Forbidden,
    /// <summary>The token issuer's keys were never fetched: the token could not be judged.</summary>
    IdentityUnavailable,
    RequestTooLarge,
    NotJson,
    RateLimited,
    RedisUnavailable,
    /// <summary>Redis's replicas did not acknowledge the admission in time: a failover could lose it.</summary>
    ReplicasUnavailable,
    /// <summary>The brokers refused the message, or it never reached them: Kafka certainly does not hold it.</summary>
    KafkaRefused,
    /// <summary>Kafka did not confirm in time and may hold the message: the slot stays the application's.</summary>
    OutcomeUnknown,
    /// <summary>Redis failed mid-admission, or a release was not confirmed: the application may hold a slot, or not.</summary>
    AdmissionUnknown,
}

/// <summary>
/// One outcome's answer: its problem type (none for a 202), which gives its status; its name in <c>coupon.applications</c>, and
/// whether that count carries the event's id: only once Redis knew the event, since ids that clients make up would grow
/// the metric without end.
/// </summary>
public sealed record ApplyAnswer(ApplyOutcome Outcome, ProblemType? Problem, string Metric, bool PerEvent)
{
    public int Status => Problem?.Status ?? StatusCodes.Status202Accepted;

    /// <summary>How the race view and the README name it: "410 sold out".</summary>
    public string Label => $"{Status} {Metric.Replace('_', ' ')}";
}

/// <summary>The one table of apply outcomes: the handler, the rate limiter, the OpenAPI document and the race view read it.</summary>
public static class ApplyOutcomes
{
    public static IReadOnlyList<ApplyAnswer> All { get; } =
    [
        new(ApplyOutcome.Admitted, null, "admitted", true),
        new(ApplyOutcome.InvalidEventId, ProblemTypes.InvalidEventId, "rejected", false),
        new(ApplyOutcome.InvalidRequest, ProblemTypes.InvalidRequest, "rejected", false),
        new(ApplyOutcome.RequestTooLarge, ProblemTypes.RequestTooLarge, "rejected", false),
        new(ApplyOutcome.NotJson, ProblemTypes.UnsupportedMediaType, "rejected", false),
        new(ApplyOutcome.Unauthenticated, ProblemTypes.Unauthorized, "unauthenticated", false),
        new(ApplyOutcome.Forbidden, ProblemTypes.Forbidden, "unauthenticated", false),
        new(ApplyOutcome.IdentityUnavailable, ProblemTypes.IdentityUnavailable, "unavailable", false),
        new(ApplyOutcome.RateLimited, ProblemTypes.RateLimited, "rate_limited", false),
        new(ApplyOutcome.UnknownEvent, ProblemTypes.EventNotFound, "unknown_event", false),
        new(ApplyOutcome.NotOpen, ProblemTypes.EventNotOpen, "not_open", true),
        new(ApplyOutcome.Closed, ProblemTypes.EventClosed, "closed", true),
        new(ApplyOutcome.AlreadyApplied, ProblemTypes.AlreadyApplied, "duplicate", true),
        new(ApplyOutcome.SoldOut, ProblemTypes.SoldOut, "sold_out", true),
        new(ApplyOutcome.Recovering, ProblemTypes.EventRecovering, "unavailable", true),
        new(ApplyOutcome.RedisUnavailable, ProblemTypes.ServiceUnavailable, "unavailable", true),
        new(ApplyOutcome.ReplicasUnavailable, ProblemTypes.ServiceUnavailable, "unavailable", true),
        new(ApplyOutcome.KafkaRefused, ProblemTypes.ServiceUnavailable, "unavailable", true),
        new(ApplyOutcome.OutcomeUnknown, ProblemTypes.OutcomeUnknown, "unavailable", true),
        new(ApplyOutcome.AdmissionUnknown, ProblemTypes.OutcomeUnknown, "unavailable", true),
    ];

    private static readonly Dictionary<ApplyOutcome, ApplyAnswer> ByOutcome = All.ToDictionary(a => a.Outcome);

    public static ApplyAnswer Of(ApplyOutcome outcome) => ByOutcome[outcome];

    /// <summary>Every status an application can be refused with.</summary>
    public static int[] ProblemStatuses { get; } = [.. All.Where(a => a.Problem is not null).Select(a => a.Status).Distinct().Order()];

    /// <summary>The answers counted per event, each metric name once, in the table's order: the race view's series.</summary>
    public static IReadOnlyList<ApplyAnswer> PerEventSeries { get; } = [.. All.Where(a => a.PerEvent).DistinctBy(a => a.Metric)];
}
