using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.Tests.Infrastructure;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>
/// MySQL is the last line of defence: whatever Redis admitted, no event ever holds more coupons than its quantity,
/// and an application refused for that is kept, listed and reported, never dropped.
/// </summary>
[Collection("stack")]
public sealed class QuantityGuardTests(StackFixture stack)
{
    [Fact]
    public async Task Applications_beyond_the_quantity_that_reach_Kafka_anyway_are_refused_kept_and_reported()
    {
        // Fifteen applications admitted for ten coupons, as a Redis that lost its winners would let through: winners in
        // Redis, published straight to Kafka.
        var eventId = await stack.CreateEventAsync(quantity: 10);
        var applications = Enumerable.Range(1, 15)
            .Select(i => CouponApplication.Create(Guid.CreateVersion7(), eventId, $"{i}", DateTimeOffset.UtcNow.AddMilliseconds(i))).ToList();
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString))
        {
            await redis.GetDatabase().HashSetAsync(EventKeys.Winners(eventId),
                [.. applications.Select(a => new HashEntry(a.UserId, a.ApplicationId.ToString("N")))]);
        }
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = stack.KafkaBootstrapServers }).Build())
        {
            foreach (var application in applications)
                await producer.ProduceAsync(Topics.CouponCreate, new Message<string, byte[]> { Key = application.Key, Value = application.ToUtf8Json() });
        }

        var refusedSql = $"SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND status = {(int)FailedEventStatus.Refused}";
        await Eventually.HoldsAsync(async () =>
            await stack.Database.CouponCountAsync(eventId) + await stack.Database.ScalarAsync(refusedSql, ("@e", eventId)) == 15);
        var coupons = await stack.Database.CouponUsersAsync(eventId);
        Assert.Equal(10, coupons.Count);
        Assert.Equal(10, await stack.Database.ScalarAsync("SELECT issued FROM events WHERE id = @e", ("@e", eventId)));

        // The refused ones, for an operator: listed, and their users told where they stand.
        var refused = await stack.ApplyApi.GetFromJsonAsync<JsonElement[]>($"/api/admin/failed-events?status=refused&eventId={eventId}");
        Assert.Equal(5, refused!.Length);
        var refusedUsers = refused.Select(r => long.Parse(r.GetProperty("userId").GetString()!)).ToHashSet();
        Assert.Empty(refusedUsers.Intersect(coupons));
        Assert.All(refused, r => Assert.Contains("quantity guard", r.GetProperty("error").GetString()));
        var status = await stack.ApplyApi.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}/applications/{refusedUsers.First()}");
        Assert.Equal("refused", status.GetProperty("status").GetString());

        // Reconciliation flags the event (the Consumer's critical line and the coupon.refused counter go with it).
        await Eventually.HoldsAsync(async () =>
        {
            var reports = await stack.ApplyApi.GetFromJsonAsync<JsonElement[]>($"/api/admin/reconciliation?eventId={eventId}");
            return reports is [var report] && report.GetProperty("refused").GetInt64() == 5
                   && report.GetProperty("status").GetString() == ReconciliationReport.Attention;
        });
    }

    [Fact]
    public async Task A_retried_failed_event_of_a_full_event_is_refused_not_issued()
    {
        var eventId = await stack.CreateEventAsync(quantity: 1);
        await stack.Database.ScalarAsync("INSERT INTO coupons (event_id, user_id, application_id, issued_at) VALUES (@e, 1, UUID(), UTC_TIMESTAMP(6))", ("@e", eventId));
        await stack.Database.InsertFailedEventsAsync(eventId, [2L]);

        await Eventually.HoldsAsync(async () => await stack.Database.FailedEventCountAsync(eventId, FailedEventStatus.Refused) == 1);
        Assert.Equal([1L], await stack.Database.CouponUsersAsync(eventId));
    }

    [Fact]
    public async Task Any_writer_that_inserts_coupon_N_plus_1_is_refused_by_the_database()
    {
        var eventId = await stack.CreateEventAsync(quantity: 2);
        const string insert = "INSERT INTO coupons (event_id, user_id, application_id, issued_at) VALUES (@e, @u, UUID(), UTC_TIMESTAMP(6))";
        await stack.Database.ScalarAsync(insert, ("@e", eventId), ("@u", 1));
        await stack.Database.ScalarAsync(insert, ("@e", eventId), ("@u", 2));

        var error = await Assert.ThrowsAsync<MySqlException>(() => stack.Database.ScalarAsync(insert, ("@e", eventId), ("@u", 3)));
        Assert.Contains(CouponIssuer.QuantityConstraint, error.Message);
        Assert.Equal(2, await stack.Database.CouponCountAsync(eventId));

        // A deleted coupon frees its count: the guard follows the rows, not the history.
        await stack.Database.ScalarAsync("DELETE FROM coupons WHERE event_id = @e AND user_id = 2", ("@e", eventId));
        await stack.Database.ScalarAsync(insert, ("@e", eventId), ("@u", 3));
        Assert.Equal([1L, 3L], (await stack.Database.CouponUsersAsync(eventId)).Order());
    }
}
