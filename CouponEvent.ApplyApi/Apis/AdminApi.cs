using CouponEvent.ApplyApi.Model;
using CouponEvent.Data;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>Operator endpoints, behind the admin key: failed events, and re-driving the parked ones.</summary>
public static class AdminApi
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(TokenAuthorization.AdminPolicy);

        api.MapGet("/failed-events", ListFailedEvents)
            .WithName("ListFailedEvents")
            .WithSummary("Failed events, newest first; filter by status (pending, resolved, parked, refused) and event.");

        api.MapPost("/failed-events/{id}/redrive", Redrive)
            .WithName("RedriveFailedEvent")
            .WithSummary("Give a parked failed event a fresh set of attempts, starting now.");

        api.MapGet("/reconciliation", ListReconciliationReports)
            .WithName("ListReconciliationReports")
            .WithSummary("The latest reconciliation report of each event (or of one, with eventId): Redis against MySQL.");

        return api;
    }

    public const int MaxLimit = 1000;

    /// <summary>400 a bad query value; 401 no valid token, 403 no admin scope (before anything else); 503 MySQL or the token issuer away.</summary>
    public sealed class ListProblems : IProblemStatuses
    {
        public static int[] Statuses => [400, 401, 403, 503];
    }

    /// <summary>As <see cref="ListProblems"/>, and 404 no such failed event, 409 not parked.</summary>
    public sealed class RedriveProblems : IProblemStatuses
    {
        public static int[] Statuses => [400, 401, 403, 404, 409, 503];
    }

    public static async Task<Results<Ok<ReconciliationReport[]>, Problem<ListProblems>>> ListReconciliationReports(
        CouponDbContext db, string? eventId, CancellationToken cancellationToken)
    {
        if (eventId is not null && !EventIds.IsValid(eventId)) return new Problem<ListProblems>(Problems.InvalidEventId(eventId));
        var query = db.ReconciliationReports.AsNoTracking();
        if (eventId is not null) query = query.Where(r => r.EventId == eventId);
        return TypedResults.Ok(await query.OrderBy(r => r.EventId).ToArrayAsync(cancellationToken));
    }

    public static async Task<Results<Ok<FailedEventView[]>, Problem<ListProblems>>> ListFailedEvents(
        CouponDbContext db, string? status, string? eventId, int? limit, CancellationToken cancellationToken)
    {
        var query = db.FailedEvents.AsNoTracking();
        if (status is not null)
        {
            if (!FailedEventStatuses.TryParse(status, out var parsed))
                return new Problem<ListProblems>(ProblemTypes.InvalidRequest.With($"status is {string.Join(", ", FailedEventStatuses.Names)}; got '{status}'.", "status"));
            query = query.Where(f => f.Status == parsed);
        }
        if (eventId is not null)
        {
            if (!EventIds.IsValid(eventId)) return new Problem<ListProblems>(Problems.InvalidEventId(eventId));
            query = query.Where(f => f.EventId == eventId);
        }
        if (limit is < 1 or > MaxLimit)
            return new Problem<ListProblems>(ProblemTypes.InvalidRequest.With($"limit is between 1 and {MaxLimit}; got {limit}.", "limit"));

        var rows = await query.OrderByDescending(f => f.Id).Take(limit ?? 100).ToArrayAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(FailedEventView.From).ToArray());
    }

    public static async Task<Results<Ok<FailedEventView>, Problem<RedriveProblems>>> Redrive(
        long id, CouponDbContext db, [FromKeyedServices(DatabaseExtensions.RawSql)] MySqlDataSource rawSql, CancellationToken cancellationToken)
    {
        var row = await db.FailedEvents.AsNoTracking().SingleOrDefaultAsync(f => f.Id == id, cancellationToken);
        if (row is null)
            return new Problem<RedriveProblems>(ProblemTypes.FailedEventNotFound.With($"No failed event has id {id}."));
        await using (var connection = await rawSql.OpenConnectionAsync(cancellationToken))
        {
            // Only a row still parked changes: one that another operator re-drove meanwhile is answered as not parked.
            var redriven = await FailedEventStore.RedriveAsync(connection, id, cancellationToken);
            row = await db.FailedEvents.AsNoTracking().SingleAsync(f => f.Id == id, cancellationToken);
            if (!redriven)
                return new Problem<RedriveProblems>(ProblemTypes.NotParked.With($"Failed event {id} is {FailedEventStatuses.Name(row.Status)}."));
        }
        return TypedResults.Ok(FailedEventView.From(row));
    }
}
