using CouponEvent.ApplyApi.Model;
using CouponEvent.Data;
using CouponEvent.Data.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>Operator endpoints, behind the admin key: failed events, and re-driving the parked ones.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin").WithTags("Admin").AddEndpointFilter<ApiKeyFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        api.MapGet("/failed-events", ListFailedEvents)
            .WithName("ListFailedEvents")
            .WithSummary("Failed events, newest first; filter by status (pending, resolved, parked, refused) and event.");

        api.MapPost("/failed-events/{id:long}/redrive", Redrive)
            .WithName("RedriveFailedEvent")
            .WithSummary("Give a parked failed event a fresh set of attempts, starting now.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        api.MapGet("/reconciliation", ListReconciliationReports)
            .WithName("ListReconciliationReports")
            .WithSummary("The latest reconciliation report of each event (or of one, with eventId): Redis against MySQL.");

        return api;
    }

    public static async Task<Ok<ReconciliationReport[]>> ListReconciliationReports(
        CouponDbContext db, string? eventId, CancellationToken cancellationToken)
    {
        var query = db.ReconciliationReports.AsNoTracking();
        if (eventId is not null) query = query.Where(r => r.EventId == eventId);
        return TypedResults.Ok(await query.OrderBy(r => r.EventId).ToArrayAsync(cancellationToken));
    }

    public static async Task<Results<Ok<FailedEventView[]>, ProblemHttpResult>> ListFailedEvents(
        CouponDbContext db, string? status, string? eventId, int? limit, CancellationToken cancellationToken)
    {
        var query = db.FailedEvents.AsNoTracking();
        if (status is not null)
        {
            if (!Enum.TryParse<FailedEventStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                return TypedResults.Problem(Problems.Of(StatusCodes.Status400BadRequest, "invalid-request",
                    "Unknown status.", "status is pending, resolved, parked or refused."));
            query = query.Where(f => f.Status == parsed);
        }
        if (eventId is not null) query = query.Where(f => f.EventId == eventId);

        var rows = await query.OrderByDescending(f => f.Id).Take(Math.Clamp(limit ?? 100, 1, 1000)).ToArrayAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(FailedEventView.From).ToArray());
    }

    public static async Task<Results<Ok<FailedEventView>, ProblemHttpResult>> Redrive(
        long id, CouponDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var row = await db.FailedEvents.SingleOrDefaultAsync(f => f.Id == id, cancellationToken);
        if (row is null)
            return TypedResults.Problem(Problems.Of(StatusCodes.Status404NotFound, "failed-event-not-found", "There is no such failed event."));
        if (row.Status != FailedEventStatus.Parked)
            return TypedResults.Problem(Problems.Of(StatusCodes.Status409Conflict, "not-parked",
                "Only a parked failed event can be re-driven.", $"Failed event {id} is {row.Status.ToString().ToLowerInvariant()}."));

        row.Status = FailedEventStatus.Pending;
        row.Attempts = 0;
        row.NextAttemptAt = row.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(FailedEventView.From(row));
    }
}
