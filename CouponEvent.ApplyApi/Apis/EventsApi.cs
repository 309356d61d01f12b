using System.Diagnostics;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ApplyApi.Events;
using CouponEvent.ApplyApi.Model;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Apis;

public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/events").WithTags("Events");

        api.MapPost("/{eventId}/applications", Apply)
            .WithName("Apply")
            .WithSummary("Apply for a coupon: first come, first served, one per user.")
            .Accepts<ApplyRequest>("application/json")
            .RequireRateLimiting(ApplyRateLimiter.Policy);

        api.MapGet("/{eventId}/applications/{userId}", GetApplication)
            .WithName("GetApplication")
            .WithSummary("Where a user's application stands: none, accepted, issued, retrying or refused.");

        api.MapGet("/{eventId}", GetEvent)
            .WithName("GetEvent")
            .WithSummary("An event's quantity and progress.");

        api.MapPost("/", CreateEvent)
            .WithName("CreateEvent")
            .WithSummary("Create an event (admin: header X-Api-Key).")
            .RequireAuthorization(AdminAuthorization.Policy)
            .WithMetadata(new RequestSizeLimitAttribute(CreateEventMaxBodyBytes));

        return api;
    }

    /// <summary>An event's body is a few hundred bytes; more is refused with 413 before it is read.</summary>
    public const int CreateEventMaxBodyBytes = 4096;

    /// <summary>
    /// 400 a bad event id or body; 403 not open yet, or closed; 404 no such event; 409 already applied; 410 sold out;
    /// 413 a body over 1 KiB; 415 not JSON; 429 over the client's rate (the rate limiter); 503 Redis or Kafka away,
    /// an outcome unknown, or the event being recovered.
    /// </summary>
    public sealed class ApplyProblems : IProblemStatuses
    {
        public static int[] Statuses => [400, 403, 404, 409, 410, 413, 415, 429, 503];
    }

    /// <summary>400 a bad event id or user id; 404 no such event; 503 Redis or MySQL away.</summary>
    public sealed class ReadProblems : IProblemStatuses
    {
        public static int[] Statuses => [400, 404, 503];
    }

    /// <summary>
    /// 401 no valid key and 403 the admin API disabled (authentication, before the body is read); 409 the id is taken;
    /// 413 a body over 4 KiB; 415 not JSON; 503 MySQL or Redis away. A 400 is a <see cref="ValidationProblem"/>.
    /// </summary>
    public sealed class CreateEventProblems : IProblemStatuses
    {
        public static int[] Statuses => [401, 403, 409, 413, 415, 503];
    }

    public static async Task<Results<Accepted<ApplicationAccepted>, Problem<ApplyProblems>>> Apply(string eventId, HttpRequest request, [AsParameters] ApplyServices services)
    {
        if (!EventIds.IsValid(eventId)) return Rejected(new(Problems.InvalidEventId(eventId)), "rejected");
        var (body, problem) = await ApplyRequestReader.ReadAsync(request, request.HttpContext.RequestAborted);
        if (body is null) return Rejected(new(problem!), "rejected");

        var userId = body.UserId;
        // Searchable on the request's span: who applied, to what, and (once Redis is asked) under which application id.
        var span = Activity.Current;
        span?.SetTag("coupon.event_id", eventId);
        span?.SetTag("coupon.user_id", userId);
        var applicationId = Guid.Empty;
        AdmissionOutcome outcome;
        long position = 0;
        var changesBefore = services.Remembered.Changes;
        if (services.Remembered.Answer(eventId, userId) is { } known)
        {
            // A repeat by a known winner, or the burst after the last coupon: answered from memory, Redis is not asked.
            outcome = known;
        }
        else
        {
            applicationId = Guid.CreateVersion7();
            span?.SetTag("coupon.application_id", applicationId.ToString());
            try
            {
                (outcome, position) = await services.Admission.AdmitAsync(eventId, userId, applicationId);
            }
            catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
            {
                // The script may have run before the connection failed. Nothing was published, so freeing is safe.
                ApplyApiLog.RedisFailed(services.Logger, applicationId, eventId, userId, ex.Message);
                await services.TryReleaseAsync(eventId, userId, applicationId);
                return Rejected(new(Problems.Unavailable("Redis")), "unavailable",
                    services.Known.Contains(eventId) ? eventId : null);
            }
            if (outcome == AdmissionOutcome.SoldOut) services.Remembered.Noticed(eventId);
            else if (outcome == AdmissionOutcome.Duplicate) services.Remembered.Admitted(eventId, userId, changesBefore);
        }

        switch (outcome)
        {
            case AdmissionOutcome.UnknownEvent when services.Known.Contains(eventId):
            case AdmissionOutcome.Unverified:
                // Redis lost the event, or restarted or failed over and may have lost its last winners: being
                // reconciled with MySQL; deciding now could reopen sold slots.
                return Rejected(new(Problems.Of(StatusCodes.Status503ServiceUnavailable, "event-recovering",
                    "The event's state is being rebuilt.", "Nothing was recorded for this request: try again in a few seconds.")), "unavailable", eventId);
            case AdmissionOutcome.UnknownEvent:
                return Rejected(new(Problems.UnknownEvent(eventId)), "unknown_event");
            case AdmissionOutcome.NotOpen:
                return Rejected(new(Problems.Of(StatusCodes.Status403Forbidden, "event-not-open",
                    "The event is not open yet.", $"Applications to '{eventId}' are accepted from its opening time on.")), "not_open", eventId);
            case AdmissionOutcome.Closed:
                return Rejected(new(Problems.Of(StatusCodes.Status403Forbidden, "event-closed",
                    "The event is closed.", $"Applications to '{eventId}' are no longer accepted.")), "closed", eventId);
            case AdmissionOutcome.Duplicate:
                return Rejected(new(Problems.AlreadyApplied), "duplicate", eventId);
            case AdmissionOutcome.SoldOut:
                return Rejected(new(Problems.SoldOut(eventId)), "sold_out", eventId);
        }

        if (!await services.Replicas.WaitAsync())
        {
            // Not on enough replicas in time: a failover could lose it, so it is not promised.
            ApplyApiLog.ReplicasDidNotAcknowledge(services.Logger, applicationId, eventId, userId);
            await services.TryReleaseAsync(eventId, userId, applicationId);
            return Rejected(new(Problems.Unavailable("Redis's replicas")), "unavailable", eventId);
        }

        var application = CouponApplication.Create(applicationId, eventId, userId, services.Time.GetUtcNow());
        switch (await services.Publisher.PublishAsync(application))
        {
            case PublishOutcome.Acknowledged:
                services.Remembered.Admitted(eventId, userId, changesBefore);
                ApplyApiTelemetry.Count("admitted", eventId);
                return TypedResults.Accepted($"/api/events/{eventId}/applications/{userId}",
                    new ApplicationAccepted(eventId, userId, ApplicationStatus.Accepted, position, applicationId));
            case PublishOutcome.NotPersisted:
                ApplyApiLog.PublishFailed(services.Logger, applicationId, eventId, userId);
                await services.TryReleaseAsync(eventId, userId, applicationId);
                return Rejected(new(Problems.Unavailable("Kafka")), "unavailable", eventId);
            default:
                // Kafka may hold it: the slot is kept for good (reconciliation issues it if Kafka never got it), the only
                // choice that can neither issue a coupon twice nor give a promise's slot to someone else.
                ApplyApiLog.PublishOutcomeUnknown(services.Logger, applicationId, eventId, userId);
                await services.TryMarkPendingAsync(eventId, userId, applicationId);
                return Rejected(new(Problems.Of(StatusCodes.Status503ServiceUnavailable, "outcome-unknown",
                    "Kafka did not confirm the application in time.",
                    $"The slot stays this application's: its coupon follows, through Kafka or, if Kafka never got it, from reconciliation. See /api/events/{eventId}/applications/{userId}.")), "unavailable", eventId);
        }
    }

    public static async Task<Results<Ok<ApplicationStatus>, Problem<ReadProblems>>> GetApplication(
        string eventId, long userId, [AsParameters] QueryServices services, CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId)) return new Problem<ReadProblems>(Problems.InvalidEventId(eventId));
        if (userId <= 0) return new Problem<ReadProblems>(Problems.InvalidUserId(userId));
        if (!await services.Db.Events.AnyAsync(e => e.Id == eventId, cancellationToken))
            return new Problem<ReadProblems>(Problems.UnknownEvent(eventId));

        var coupon = await services.Db.Coupons.AsNoTracking()
            .Where(c => c.EventId == eventId && c.UserId == userId)
            .Select(c => new { c.IssuedAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (coupon is not null) return TypedResults.Ok(new ApplicationStatus(eventId, userId, ApplicationStatus.Issued, coupon.IssuedAt));

        var failed = await services.Db.FailedEvents.AsNoTracking()
            .Where(f => f.EventId == eventId && f.UserId == userId && f.Status != FailedEventStatus.Resolved)
            .Select(f => (FailedEventStatus?)f.Status).FirstOrDefaultAsync(cancellationToken);
        var status = failed == FailedEventStatus.Refused ? ApplicationStatus.Refused
            : failed is not null ? ApplicationStatus.Retrying
            : await services.Admission.IsAdmittedAsync(eventId, userId) ? ApplicationStatus.Accepted
            : ApplicationStatus.None;
        return TypedResults.Ok(new ApplicationStatus(eventId, userId, status, null));
    }

    public static async Task<Results<Ok<EventSummary>, Problem<ReadProblems>>> GetEvent(
        string eventId, [AsParameters] QueryServices services, CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId)) return new Problem<ReadProblems>(Problems.InvalidEventId(eventId));
        var e = await services.Db.Events.AsNoTracking().SingleOrDefaultAsync(x => x.Id == eventId, cancellationToken);
        if (e is null) return new Problem<ReadProblems>(Problems.UnknownEvent(eventId));

        var admitted = await services.Admission.AdmittedCountAsync(eventId);
        return TypedResults.Ok(new EventSummary(e.Id, e.Name, e.Quantity, admitted, e.Issued,
            Math.Max(0, e.Quantity - admitted), admitted >= e.Quantity, e.OpensAt, e.ClosesAt));
    }

    public static async Task<Results<Created<EventSummary>, ValidationProblem, Problem<CreateEventProblems>>> CreateEvent(
        CreateEventRequest request, EventCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!EventIds.IsValid(request.Id)) errors["id"] = [$"Must match {EventIds.Pattern}."];
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) errors["name"] = ["Required, at most 200 characters."];
        if (request.Quantity is < 1 or > 10_000_000) errors["quantity"] = ["Must be between 1 and 10,000,000."];
        if (request.OpensAt >= request.ClosesAt) errors["closesAt"] = ["Must be later than opensAt."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, type: ProblemDetailsDefaults.Type("invalid-request"));

        var e = await catalog.CreateAsync(request.Id, request.Name.Trim(), request.Quantity, request.OpensAt, request.ClosesAt, cancellationToken);
        if (e is null)
            return new Problem<CreateEventProblems>(Problems.Of(StatusCodes.Status409Conflict, "event-exists", "The event id is taken.",
                $"An event with id '{request.Id}' exists already."));

        return TypedResults.Created($"/api/events/{e.Id}",
            new EventSummary(e.Id, e.Name, e.Quantity, 0, 0, e.Quantity, false, e.OpensAt, e.ClosesAt));
    }

    /// <summary>Counts a refusal by outcome on its way out; <paramref name="eventId"/> only once Redis knew the event.</summary>
    private static Problem<ApplyProblems> Rejected(Problem<ApplyProblems> answer, string outcome, string? eventId = null)
    {
        ApplyApiTelemetry.Count(outcome, eventId);
        return answer;
    }
}
