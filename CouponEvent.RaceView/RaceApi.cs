using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CouponEvent.RaceView;

public sealed record RaceBoardView(string? Problem, IReadOnlyList<Race> Races);

public static class RaceApi
{
    public static RouteGroupBuilder MapRaceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/races");
        api.MapGet("/", (RaceBoard board) => TypedResults.Ok(new RaceBoardView(board.Problem, board.Races)));
        api.MapGet("/{eventId}/timeline", GetTimelineAsync);
        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<RaceSecond>>, ProblemHttpResult>> GetTimelineAsync(string eventId, long? since, RaceBoard board)
    {
        if (!EventIds.IsValid(eventId))
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemDetailsDefaults.Type("invalid-event-id"),
                title: "The event id is not valid.", detail: $"eventId must match {EventIds.Pattern}.");
        return TypedResults.Ok(await board.TimelineAsync(eventId, since ?? 0));
    }
}
