using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Redis;
using CouponEvent.RetryJob.Reconciling;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>The RetryJob's reconciler, against what Redis and MySQL really hold.</summary>
[Collection("stack")]
public sealed class ReconciliationTests(StackFixture stack)
{
    [Fact]
    public async Task A_winner_whose_message_never_reached_MySQL_is_issued_from_Redis_past_the_grace_period_and_keeps_its_slot()
    {
        var eventId = await stack.CreateEventAsync(quantity: 1);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        // What a lost message, a publish of unknown outcome, or an ApplyApi that died before publishing leaves: a
        // winner (here with a pending mark), nothing in Kafka or MySQL. Admitted just now, so it is not judged for the
        // grace period (8 s here).
        var lost = Guid.CreateVersion7();
        await redis.GetDatabase().HashSetAsync(EventKeys.Winners(eventId), 7, lost.ToString("N"));
        await redis.GetDatabase().HashSetAsync(EventKeys.Pending(eventId), 7, lost.ToString("N"));
        using (var soldOut = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, 8))
            Assert.Equal(HttpStatusCode.Gone, soldOut.StatusCode);

        var report = await WaitForReportAsync(eventId, r => r.GetProperty("issuedFromRedis").GetInt64() == 1);

        Assert.Equal(("ok", 1L, 1L, 0L, 0L), (report.GetProperty("status").GetString(), report.GetProperty("admitted").GetInt64(),
            report.GetProperty("issued").GetInt64(), report.GetProperty("unissued").GetInt64(), report.GetProperty("pending").GetInt64()));
        Assert.Equal([7L], await stack.Database.CouponUsersAsync(eventId));
        Assert.Equal(1, await stack.Database.ScalarAsync("SELECT COUNT(*) FROM coupons WHERE event_id = @e AND user_id = 7 AND application_id = @a",
            ("@e", eventId), ("@a", lost.ToString())));
        Assert.False(await redis.GetDatabase().HashExistsAsync(EventKeys.Pending(eventId), 7));
        // The slot was never freed: the next user still meets a sold-out event, and user 7's status is its coupon.
        using (var next = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, 8))
            Assert.Equal(HttpStatusCode.Gone, next.StatusCode);
        var status = await stack.ApplyApi.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}/applications/7");
        Assert.Equal("issued", status.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_coupon_without_an_admission_is_reported_and_left_alone()
    {
        var eventId = await stack.CreateEventAsync(quantity: 2);
        await stack.Database.ScalarAsync(
            "INSERT INTO coupons (event_id, user_id, application_id, issued_at) VALUES (@e, 99, UUID(), UTC_TIMESTAMP(6))", ("@e", eventId));

        var report = await WaitForReportAsync(eventId, r => r.GetProperty("issuedWithoutAdmission").GetInt64() == 1);

        Assert.Equal("attention", report.GetProperty("status").GetString());
        Assert.Equal(0, report.GetProperty("admitted").GetInt64());
        Assert.Equal([99L], await stack.Database.CouponUsersAsync(eventId));
    }

    [Fact]
    public async Task While_the_consumer_is_behind_a_round_reports_the_counts_as_lagging_and_the_thorough_round_still_compares_user_by_user()
    {
        var eventId = await stack.CreateEventAsync(quantity: 10);
        using (var applied = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, 1))
            Assert.Equal(HttpStatusCode.Accepted, applied.StatusCode);
        await stack.Database.WaitForCouponsAsync(eventId, expected: 1);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        // A winner with no row yet, as every race has until the consumer catches up.
        await redis.GetDatabase().HashSetAsync(EventKeys.Winners(eventId), 7, Guid.CreateVersion7().ToString("N"));

        await using var db = new CouponDbContext(new DbContextOptionsBuilder<CouponDbContext>()
            .UseMySql(stack.MySqlConnectionString, ServerVersion.Parse(DatabaseExtensions.DefaultServerVersion)).Options);
        var e = await db.Events.AsNoTracking().SingleAsync(x => x.Id == eventId);
        // The RetryJob's reconciler, judging by a group that has read nothing of coupon_create (user 1's application
        // at least): a consumer that far behind.
        var behind = new KafkaConsumerLag(stack.KafkaBootstrapServers, $"behind-{Guid.NewGuid():N}", Topics.CouponCreate);
        await using var rawSql = new MySqlDataSource(stack.MySqlConnectionString);
        Reconciler Reconciler() => new(db, new CouponWriter(rawSql, new StatusChanges(redis)), redis, behind, Options.Create(new ReconciliationOptions()), TimeProvider.System, NullLogger<Reconciler>.Instance);

        var round = await Reconciler().ReconcileAsync(e, thorough: false, CancellationToken.None);
        Assert.Equal(("consumer-lagging", 2L, 1L, 0L), (round.Status, round.Admitted, round.Issued, round.Unissued));

        var thorough = await Reconciler().ReconcileAsync(e, thorough: true, CancellationToken.None);
        // User 7 is found unissued, and kept: admitted within the grace period, so nothing is wrong yet.
        Assert.Equal(("ok", 2L, 1L, 1L, 0L), (thorough.Status, thorough.Admitted, thorough.Issued, thorough.Unissued, thorough.IssuedFromRedis));
        Assert.True(await redis.GetDatabase().HashExistsAsync(EventKeys.Winners(eventId), 7));
    }

    private async Task<JsonElement> WaitForReportAsync(string eventId, Func<JsonElement, bool> condition)
    {
        JsonElement[]? reports = null;
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                reports = await stack.ApplyApi.GetFromJsonAsync<JsonElement[]>($"/api/admin/reconciliation?eventId={eventId}");
                return reports is [var report] && condition(report);
            }, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching report for {eventId}: {JsonSerializer.Serialize(reports)}");
        }
        return reports![0];
    }
}
