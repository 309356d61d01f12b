using System.Security.Claims;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ApplyApi.Events;
using CouponEvent.ApplyApi.Model;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

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
            .WithSummary("Where the caller's application stands: none, accepted, issued, retrying or refused. "
                + "If-None-Match gets 304 while it is unchanged; with Prefer: wait=N too, the answer waits up to N seconds for a change.")
            .Produces(StatusCodes.Status304NotModified)
            .RequireAuthorization(TokenAuthorization.ApplicantPolicy);

        api.MapGet("/{eventId}/applications/{userId}", GetApplication)
            .WithName("GetApplication")
            .WithSummary("Where any user's application stands (admin: a bearer token with the admin scope).")
            .Produces(StatusCodes.Status304NotModified)
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

    public static Task<Results<Ok<ApplicationStatus>, StatusCodeHttpResult, Problem<StatusProblems>>> GetMyApplication(
        string eventId, ClaimsPrincipal user, HttpContext http, StatusReader statuses, IOptions<StatusOptions> options, TimeProvider time,
        CancellationToken cancellationToken) =>
        GetApplication(eventId, user.FindFirst("sub")!.Value, http, statuses, options, time, cancellationToken);

    public static async Task<Results<Ok<ApplicationStatus>, StatusCodeHttpResult, Problem<StatusProblems>>> GetApplication(
        string eventId, string userId, HttpContext http, StatusReader statuses, IOptions<StatusOptions> options, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId)) return new Problem<StatusProblems>(Problems.InvalidEventId(eventId));
        if (!IdentityContract.IsValidSubject(userId)) return new Problem<StatusProblems>(Problems.InvalidUserId(userId));
        if (await statuses.ApplicationAsync(eventId, userId, cancellationToken) is not { } status)
            return new Problem<StatusProblems>(Problems.UnknownEvent(eventId));

        var etag = StatusPolling.ETag(status);
        var wait = StatusPolling.Wait(http.Request, options.Value.MaxWait);
        if (wait > TimeSpan.Zero && StatusPolling.NotModified(http.Request, etag))
        {
            // Held until a change is announced or the wait is over, looking again as often as an answer is reused
            // (an announcement may be lost).
            var until = time.GetUtcNow() + wait;
            while (StatusPolling.NotModified(http.Request, etag) && time.GetUtcNow() < until)
            {
                var left = TimeSpan.FromTicks(Math.Clamp((until - time.GetUtcNow()).Ticks, 0, options.Value.CacheFor.Ticks));
                await statuses.WaitForChangeAsync(eventId, userId, left, cancellationToken);
                if (await statuses.ApplicationAsync(eventId, userId, cancellationToken) is not { } now) break;
                (status, etag) = (now, StatusPolling.ETag(now));
            }
            http.Response.Headers["Preference-Applied"] = $"wait={(int)wait.TotalSeconds}";
        }
        StatusPolling.Describe(http.Response, status, etag, options.Value.CacheFor);
        return StatusPolling.NotModified(http.Request, etag) ? TypedResults.StatusCode(StatusCodes.Status304NotModified) : TypedResults.Ok(status);
    }

    public static async Task<Results<Ok<EventSummary>, Problem<ReadProblems>>> GetEvent(
        string eventId, StatusReader statuses, CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId)) return new Problem<ReadProblems>(Problems.InvalidEventId(eventId));
        return await statuses.EventAsync(eventId, cancellationToken) is { } summary
            ? TypedResults.Ok(summary)
            : new Problem<ReadProblems>(Problems.UnknownEvent(eventId));
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
