using System.Net;
using CouponEvent.Data.Model;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// What a race left in MySQL against what its users were told: the fault suites' invariant (no user twice, never more
/// than the quantity, every 202 a row, no row without a 202 or an answer the user could not know) and its table row.
/// </summary>
public sealed record RaceOutcome(Race Race, int Quantity, int Rows, long Duplicates, int Lost, int Unexplained, int OverIssue, long Refused, long IssuedFromRedis)
{
    /// <param name="reserved">Users admitted outside the race (failed events a scenario planted), who must get rows too.</param>
    public static async Task<RaceOutcome> MeasureAsync(StackFixture stack, string eventId, Race race, int quantity, IEnumerable<long>? reserved = null)
    {
        var rows = await stack.Database.WaitForCouponsAsync(eventId, quantity);
        var accepted = race.Accepted.Concat(reserved ?? []).ToHashSet();
        return new RaceOutcome(race, quantity, rows.Count,
            Duplicates: await stack.Database.ScalarAsync("SELECT COUNT(*) - COUNT(DISTINCT user_id) FROM coupons WHERE event_id = @e", ("@e", eventId)),
            Lost: accepted.Except(rows).Count(),
            Unexplained: rows.Except(accepted).Except(race.Ambiguous).Count(),
            OverIssue: Math.Max(0, rows.Count - quantity),
            Refused: await stack.Database.ScalarAsync($"SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND status = {(int)FailedEventStatus.Refused}", ("@e", eventId)),
            IssuedFromRedis: await stack.IssuedFromRedisAsync(eventId));
    }

    /// <summary>The row of <see cref="FaultTable"/>.</summary>
    public string Row(string scenario, int users, long? lostReported = null) =>
        $"| {scenario} | {users:N0} / {Quantity:N0} | {Race.Requests:N0} | {Race.Count(HttpStatusCode.Accepted):N0} | {Race.Count(HttpStatusCode.Conflict):N0} | " +
        $"{Race.Count(HttpStatusCode.Gone):N0} | {Race.Count(HttpStatusCode.ServiceUnavailable):N0} | {Race.Unanswered:N0} | {Rows:N0} | " +
        $"{Duplicates} | {Lost} | {Unexplained} | {OverIssue} | {Refused} | {lostReported?.ToString("N0") ?? "-"} | {IssuedFromRedis:N0} |";

    /// <param name="replicaKilled">An ApplyApi replica was killed: the requests it held got no answer.</param>
    public void AssertHolds(bool replicaKilled)
    {
        // Every request gets an answer, a 503 at worst, unless the replica answering it is killed.
        if (!replicaKilled) Assert.Equal(0, Race.Unanswered);
        Assert.Equal(0, Duplicates);
        Assert.Equal(0, Lost);
        Assert.Equal(0, Unexplained);
        Assert.Equal(0, OverIssue);
        Assert.Equal(0, Refused);
        Assert.Equal(Quantity, Rows);
    }
}
