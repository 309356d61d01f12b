using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.Tests.Infrastructure;
using StackExchange.Redis;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>
/// An event's life after its race: once it is over (sold out or closed) for <see cref="StackFixture.SettleAfter"/> with
/// every winner a row and nothing open, it settles: recorded in MySQL, its keys gone from Redis, no longer visited by
/// reconciliation, and answered as before. Anything that opens again (a failed event) makes it live again.
/// </summary>
[Collection("stack")]
public sealed class SettlingTests(StackFixture stack)
{
    [Fact]
    public async Task A_sold_out_event_settles_after_its_grace_leaves_Redis_and_answers_late_applicants_as_before()
    {
        var eventId = await stack.CreateEventAsync(quantity: 3);
        foreach (var user in new long[] { 1, 2, 3 })
        {
            using var response = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, user);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await stack.Database.WaitForCouponsAsync(eventId, expected: 3);
        // While it is live, ApplyApi listens to its announcements: once it answers "sold out" from memory, and once it
        // has answered a status.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        Assert.Equal(HttpStatusCode.Gone, await NewcomerAnswerAsync(stack.ApplyApi, eventId));
        using (await stack.Applicants.StatusAsync(stack.ApplyApi, eventId, Applicants.Subject(1))) { }
        var channels = new[] { EventKeys.Changes(eventId), EventKeys.Statuses(eventId) };
        foreach (var channel in channels) await Eventually.HoldsAsync(async () => await SubscribersAsync(redis, channel) > 0);

        var settled = await WaitForSettledAsync(eventId);
        Assert.Equal(SettledReasons.SoldOut, settled.Reason);
        var lastCoupon = await stack.Database.DateTimeAsync("SELECT MAX(issued_at) FROM coupons WHERE event_id = @e", eventId);
        Assert.True(settled.At - lastCoupon >= StackFixture.SettleAfter, $"settled {settled.At - lastCoupon} after its last coupon");

        Assert.Equal(0, await redis.GetDatabase().KeyExistsAsync(EventKeys.State(eventId)));

        // Every replica answers from what it knows of settled events and MySQL, never with a fresh admission.
        foreach (var replica in await stack.ApplyApiReplicaClientsAsync())
        {
            using var _ = replica;
            Assert.Equal(HttpStatusCode.Gone, await NewcomerAnswerAsync(replica, eventId));
            using var winner = await stack.Applicants.ApplyAsync(replica, eventId, 2);
            Assert.Equal(HttpStatusCode.Conflict, winner.StatusCode);
            using var status = await stack.Applicants.StatusAsync(replica, eventId, Applicants.Subject(2));
            Assert.Equal("issued", (await status.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }
        // And no longer listens to its announcements: subscriptions follow the live events.
        foreach (var channel in channels) await Eventually.HoldsAsync(async () => await SubscribersAsync(redis, channel) == 0);
        var summary = await stack.ApplyApi.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}");
        Assert.Equal(3, summary.GetProperty("admitted").GetInt64());
        Assert.Equal(0, summary.GetProperty("remaining").GetInt64());
        Assert.Equal(SettledReasons.SoldOut, summary.GetProperty("settledReason").GetString());
        Assert.Equal(3, await stack.Database.CouponCountAsync(eventId));

        // Reconciliation no longer visits it: its report stays as it was while a live event's moves on, twice.
        var checkedAt = await ReportCheckedAtAsync(eventId);
        var live = await stack.CreateEventAsync(quantity: 10);
        await Eventually.HoldsAsync(async () => await ReportCheckedAtAsync(live) is not null);
        var first = await ReportCheckedAtAsync(live);
        await Eventually.HoldsAsync(async () => await ReportCheckedAtAsync(live) > first);
        Assert.Equal(checkedAt, await ReportCheckedAtAsync(eventId));
        Assert.Equal(ReconciliationReport.Settled, await ReportStatusAsync(eventId));
    }

    [Fact]
    public async Task An_open_failed_event_holds_an_event_live_and_one_that_opens_after_settling_makes_it_live_and_issued()
    {
        var (eventId, closesAt) = await ClosingEventWithOneCouponAsync();
        // A winner parked for an operator: admitted in Redis, a failed event in MySQL.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var parked = Guid.CreateVersion7();
        await redis.GetDatabase().HashSetAsync(EventKeys.Winners(eventId), Applicants.Subject(7), parked.ToString("N"));
        await stack.Database.InsertFailedEventsAsync(eventId, [(7L, parked)], FailedEventStatus.Parked);

        // Checked well past the moment it would otherwise settle, and still live.
        await Eventually.HoldsAsync(async () => await ReportCheckedAtAsync(eventId) > closesAt.UtcDateTime + StackFixture.SettleAfter + TimeSpan.FromSeconds(3),
            TimeSpan.FromSeconds(90));
        Assert.Null(await SettledAtAsync(eventId));

        var id = await stack.Database.ScalarAsync("SELECT id FROM failed_events WHERE application_id = @a", ("@a", parked.ToString()));
        using (var redrive = await stack.ApplyApi.PostAsync($"/api/admin/failed-events/{id}/redrive", null)) Assert.Equal(HttpStatusCode.OK, redrive.StatusCode);
        await stack.Database.WaitForCouponsAsync(eventId, expected: 2);
        Assert.Equal(SettledReasons.Closed, (await WaitForSettledAsync(eventId)).Reason);

        // A failed event that opens on a settled event (a late one, an operator's) makes it live at once, in the database.
        await stack.Database.InsertFailedEventsAsync(eventId, [8L]);
        Assert.Null(await SettledAtAsync(eventId));
        // ApplyApi rebuilds its state from MySQL, the RetryJob issues the coupon, and it settles again.
        await Eventually.HoldsAsync(async () => await redis.GetDatabase().KeyExistsAsync(EventKeys.Meta(eventId)));
        await stack.Database.WaitForCouponsAsync(eventId, expected: 3);
        Assert.Equal(SettledReasons.Closed, (await WaitForSettledAsync(eventId)).Reason);
        Assert.Equal(0, await redis.GetDatabase().KeyExistsAsync(EventKeys.State(eventId)));
        // As while it was live and closed: 403 event-closed.
        Assert.Equal(HttpStatusCode.Forbidden, await NewcomerAnswerAsync(stack.ApplyApi, eventId));
    }

    [Fact]
    public async Task A_winner_whose_publish_outcome_is_unknown_holds_an_event_live_until_reconciliation_issues_it()
    {
        var (eventId, closesAt) = await ClosingEventWithOneCouponAsync();

        // The scene: a winner admitted late enough that its grace ends after the event would have settled, whose
        // publish's outcome ApplyApi never learnt (a pending mark), and no message in Kafka. The wait sets the scene.
        var admittedAt = closesAt + StackFixture.SettleAfter - StackFixture.ReconciliationGrace + TimeSpan.FromSeconds(2);
        await Task.Delay(admittedAt - DateTimeOffset.UtcNow);
        Assert.Null(await SettledAtAsync(eventId));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var db = redis.GetDatabase();
        var pending = Guid.CreateVersion7().ToString("N");
        await db.HashSetAsync(EventKeys.Winners(eventId), Applicants.Subject(7), pending);
        await db.HashSetAsync(EventKeys.Pending(eventId), Applicants.Subject(7), pending);

        // Issued from Redis once its grace is over, past the time the event would have settled; settled only after.
        var settled = await WaitForSettledAsync(eventId);
        Assert.Equal(SettledReasons.Closed, settled.Reason);
        var issuedAt = await stack.Database.DateTimeAsync(
            $"SELECT issued_at FROM coupons WHERE event_id = @e AND user_id = '{Applicants.Subject(7)}'", eventId);
        Assert.NotNull(issuedAt);
        Assert.True(issuedAt >= closesAt.UtcDateTime + StackFixture.SettleAfter, $"issued {issuedAt:O}, the event closed {closesAt:O}");
        Assert.True(settled.At >= issuedAt, $"settled {settled.At:O} before its pending winner was issued {issuedAt:O}");
        Assert.Equal(2, await stack.Database.CouponCountAsync(eventId));
    }

    [Fact]
    public async Task A_recovery_holds_an_event_live_for_the_grace_after_it()
    {
        var (eventId, closesAt) = await ClosingEventWithOneCouponAsync();

        // Redis loses the closed event's state; ApplyApi rebuilds it from MySQL and records the recovery.
        await Eventually.HoldsAsync(() => Task.FromResult(DateTimeOffset.UtcNow > closesAt));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        await redis.GetDatabase().KeyDeleteAsync(EventKeys.State(eventId));

        var settled = await WaitForSettledAsync(eventId);
        var recoveredAt = await stack.Database.DateTimeAsync("SELECT recovered_at FROM reconciliation_reports WHERE event_id = @e", eventId);
        Assert.NotNull(recoveredAt);
        Assert.True(recoveredAt > closesAt.UtcDateTime, $"recovered {recoveredAt:O}, closed {closesAt:O}");
        Assert.True(settled.At - recoveredAt >= StackFixture.SettleAfter, $"settled {settled.At - recoveredAt} after its recovery");
        Assert.Equal(SettledReasons.Closed, settled.Reason);
        Assert.Equal(1, await stack.Database.CouponCountAsync(eventId));
    }

    [Fact]
    public async Task Reconciliation_visits_the_live_events_each_round_and_none_of_the_settled_however_many()
    {
        // Fifty events that nobody applies to: closed, they settle.
        var closesAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var prefix = $"many-{Guid.NewGuid():N}"[..17];
        var settling = new List<string>();
        for (var i = 0; i < 50; i++) settling.Add(await stack.CreateEventAsync(quantity: 1, closesAt: closesAt, id: $"{prefix}-{i}"));
        await Eventually.HoldsAsync(async () => await stack.Database.ScalarAsync(
            "SELECT COUNT(*) FROM events WHERE id LIKE @p AND settled_at IS NOT NULL", ("@p", prefix + "-%")) == settling.Count,
            TimeSpan.FromSeconds(120));

        // Two whole rounds from here: a new event's report written, then written again.
        var from = DateTime.UtcNow;
        var marker = await stack.CreateEventAsync(quantity: 10);
        await Eventually.HoldsAsync(async () => await ReportCheckedAtAsync(marker) is not null);
        var first = await ReportCheckedAtAsync(marker);
        await Eventually.HoldsAsync(async () => await ReportCheckedAtAsync(marker) > first);

        // Counted: every event visited since is live (or settled since), and no settled event is among them.
        var visited = await stack.Database.StringsAsync("SELECT event_id FROM reconciliation_reports WHERE checked_at > @from", ("@from", from));
        var live = await stack.Database.StringsAsync("SELECT id FROM events WHERE settled_at IS NULL OR settled_at > @from", ("@from", from));
        Assert.Empty(visited.Intersect(settling));
        Assert.Subset(live.ToHashSet(), visited.ToHashSet());
        Assert.Contains(marker, visited);
    }

    /// <summary>A 3-coupon event closing in 3 s whose user 1 applied and holds a coupon row.</summary>
    private async Task<(string EventId, DateTimeOffset ClosesAt)> ClosingEventWithOneCouponAsync()
    {
        var closesAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var eventId = await stack.CreateEventAsync(quantity: 3, closesAt: closesAt);
        using (var response = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, 1)) Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await stack.Database.WaitForCouponsAsync(eventId, expected: 1);
        return (eventId, closesAt);
    }

    /// <summary>
    /// A newcomer's answer once the instance has read that the event settled: until then (its next state check), it
    /// answers 503 event-recovering. Each try is another user, so that no applicant's rate limit is met.
    /// </summary>
    private async Task<HttpStatusCode> NewcomerAnswerAsync(HttpClient api, string eventId)
    {
        var user = 1_000L;
        using var response = await Eventually.ReturnsAsync(() => stack.Applicants.ApplyAsync(api, eventId, ++user),
            r => r.StatusCode != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        return response.StatusCode;
    }

    private async Task<(DateTime At, string Reason)> WaitForSettledAsync(string eventId)
    {
        await Eventually.HoldsAsync(async () => await SettledAtAsync(eventId) is not null, TimeSpan.FromSeconds(90));
        var reason = await stack.Database.StringAsync("SELECT settled_reason FROM events WHERE id = @e", eventId);
        return ((await SettledAtAsync(eventId))!.Value, reason!);
    }

    private Task<DateTime?> SettledAtAsync(string eventId) =>
        stack.Database.DateTimeAsync("SELECT settled_at FROM events WHERE id = @e", eventId);

    private Task<DateTime?> ReportCheckedAtAsync(string eventId) =>
        stack.Database.DateTimeAsync("SELECT checked_at FROM reconciliation_reports WHERE event_id = @e", eventId);

    private Task<string?> ReportStatusAsync(string eventId) =>
        stack.Database.StringAsync("SELECT status FROM reconciliation_reports WHERE event_id = @e", eventId);

    /// <summary>How many clients Redis counts subscribed to a sharded channel.</summary>
    private static async Task<long> SubscribersAsync(ConnectionMultiplexer redis, string channel) =>
        (long)((RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "SHARDNUMSUB", channel))!)[1];
}
