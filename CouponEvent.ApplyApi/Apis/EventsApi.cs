using System.Diagnostics;
using System.Security.Claims;
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
            .WithSummary("Apply for a coupon: first come, first served, one per user. The applicant is the bearer token's subject; the body is empty.")
            .RequireRateLimiting(ApplyRateLimiter.Policy);

        api.MapGet("/{eventId}/applications/me", GetMyApplication)
            .WithName("GetMyApplication")
            .WithSummary("Where the caller's application stands: none, accepted, issued, retrying or refused.")
            .RequireAuthorization(TokenAuthorization.ApplicantPolicy);

        api.MapGet("/{eventId}/applications/{userId}", GetApplication)
            .WithName("GetApplication")
            .WithSummary("Where any user's application stands (admin: a bearer token with the admin scope).")
            .RequireAuthorization(TokenAuthorization.AdminPolicy);

        api.MapGet("/{eventId}", GetEvent)
            .WithName("GetEvent")
            .WithSummary("An event's quantity and progress.");

        api.MapPost("/", CreateEvent)
            .WithName("CreateEvent")
            .WithSummary("Create an event (admin: a bearer token with the admin scope).")
            .RequireAuthorization(TokenAuthorization.AdminPolicy)
            .WithMetadata(new RequestSizeLimitAttribute(CreateEventMaxBodyBytes));

        return api;
    }

    /// <summary>An event's body is a few hundred bytes; more is refused with 413 before it is read.</summary>
    public const int CreateEventMaxBodyBytes = 4096;

    /// <summary>Every status of <see cref="ApplyOutcomes"/>' refusals, the rate limiter's 429 among them.</summary>
    public sealed class ApplyProblems : IProblemStatuses
    {
        public static int[] Statuses => ApplyOutcomes.ProblemStatuses;
    }

    /// <summary>400 a bad event id or user id; 404 no such event; 503 Redis or MySQL away.</summary>
    public sealed class ReadProblems : IProblemStatuses
    {
        public static int[] Statuses => [400, 404, 503];
    }

    /// <summary>As <see cref="ReadProblems"/>, and 401 no valid token, 403 not the scope the endpoint needs.</summary>
    public sealed class StatusProblems : IProblemStatuses
    {
        public static int[] Statuses => [400, 401, 403, 404, 503];
    }

    /// <summary>
    /// 401 no valid token and 403 no admin scope (before the body is read); 409 the id is taken;
    /// 413 a body over 4 KiB; 415 not JSON; 503 MySQL or Redis away. A 400 is a <see cref="ValidationProblem"/>.
    /// </summary>
    public sealed class CreateEventProblems : IProblemStatuses
    {
        public static int[] Statuses => [401, 403, 409, 413, 415, 503];
    }

    public static async Task<Results<Accepted<ApplicationAccepted>, Problem<ApplyProblems>>> Apply(
        string eventId, HttpContext http, ApplyUseCase apply, CancellationToken cancellationToken)
    {
        var result = await ApplyRequestReader.ReadAsync(eventId, http.Request, cancellationToken) ?? await apply.ApplyAsync(eventId, http);
        if (result.Outcome != ApplyOutcome.Admitted) return Problems.For(result);
        return TypedResults.Accepted($"/api/events/{eventId}/applications/me",
            new ApplicationAccepted(eventId, result.UserId, ApplicationStatus.Accepted, result.Position, result.ApplicationId));
    }

    public static Task<Results<Ok<ApplicationStatus>, Problem<StatusProblems>>> GetMyApplication(
        string eventId, ClaimsPrincipal user, [AsParameters] QueryServices services, CancellationToken cancellationToken) =>
        GetApplication(eventId, user.FindFirst("sub")!.Value, services, cancellationToken);

    public static async Task<Results<Ok<ApplicationStatus>, Problem<StatusProblems>>> GetApplication(
        string eventId, string userId, [AsParameters] QueryServices services, CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId)) return new Problem<StatusProblems>(Problems.InvalidEventId(eventId));
        if (!IdentityContract.IsValidSubject(userId)) return new Problem<StatusProblems>(Problems.InvalidUserId(userId));
        if (!await services.Db.Events.AnyAsync(e => e.Id == eventId, cancellationToken))
            return new Problem<StatusProblems>(Problems.UnknownEvent(eventId));

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

        // A settled event's winners are its coupons, and its keys have left Redis.
        var admitted = e.SettledAt is null ? await services.Admission.AdmittedCountAsync(eventId) : e.Issued;
        return TypedResults.Ok(new EventSummary(e.Id, e.Name, e.Quantity, admitted, e.Issued,
            Math.Max(0, e.Quantity - admitted), admitted >= e.Quantity, e.OpensAt, e.ClosesAt, e.SettledAt, e.SettledReason));
    }

    public static async Task<Results<Created<EventSummary>, ValidationProblem, Problem<CreateEventProblems>>> CreateEvent(
        CreateEventRequest request, EventCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!EventIds.IsValid(request.Id)) errors["id"] = [$"Must match {EventIds.Pattern}."];
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) errors["name"] = ["Required, at most 200 characters."];
        if (request.Quantity is < 1 or > 10_000_000) errors["quantity"] = ["Must be between 1 and 10,000,000."];
        if (request.OpensAt >= request.ClosesAt) errors["closesAt"] = ["Must be later than opensAt."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, type: ProblemTypes.InvalidRequest.Uri, title: ProblemTypes.InvalidRequest.Title);

        var e = await catalog.CreateAsync(request.Id, request.Name.Trim(), request.Quantity, request.OpensAt, request.ClosesAt, cancellationToken);
        if (e is null)
            return new Problem<CreateEventProblems>(ProblemTypes.EventExists.With($"An event with id '{request.Id}' exists already."));

        return TypedResults.Created($"/api/events/{e.Id}",
            new EventSummary(e.Id, e.Name, e.Quantity, 0, 0, e.Quantity, false, e.OpensAt, e.ClosesAt));
    }
}
