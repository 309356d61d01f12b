using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CouponEvent.RaceView;

/// <param name="Outcomes">The answers counted per event (<see cref="ApplyOutcomes.PerEventSeries"/>): what the view draws, and how it names them.</param>
public sealed record RaceBoardView(string? Problem, IReadOnlyList<Race> Races, IReadOnlyList<OutcomeSeries> Outcomes);

/// <param name="Key">The outcome's name in <c>coupon.applications</c>, and in each race's answers.</param>
public sealed record OutcomeSeries(string Key, int Status, string Label);

public static class RaceApi
{
    /// <param name="requireAdmin">Operators only: a bearer token with the admin scope (outside Development).</param>
    public static RouteGroupBuilder MapRaceApi(this IEndpointRouteBuilder app, bool requireAdmin)
    {
        var api = app.MapGroup("/api/races");
        if (requireAdmin) api.RequireAuthorization(TokenAuthorization.AdminPolicy);
        api.MapGet("/", (RaceBoard board) => TypedResults.Ok(new RaceBoardView(board.Problem, board.Races, Outcomes)));
        api.MapGet("/{eventId}/timeline", GetTimelineAsync);
        return api;
    }

    private static readonly OutcomeSeries[] Outcomes = [.. ApplyOutcomes.PerEventSeries.Select(a => new OutcomeSeries(a.Metric, a.Status, a.Label))];

    private static async Task<Results<Ok<RaceTimeline>, ProblemHttpResult>> GetTimelineAsync(string eventId, RaceBoard board,
        CancellationToken cancellationToken)
    {
        if (!EventIds.IsValid(eventId))
            return TypedResults.Problem(ProblemTypes.InvalidEventId.With($"eventId must match {EventIds.Pattern}.", "eventId"));
        return TypedResults.Ok(await board.TimelineAsync(eventId, cancellationToken));
    }
}
