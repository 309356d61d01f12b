// BENCHMARK BASELINE ONLY. The course's first two designs, faithfully naive, to measure beside CouponEvent:
//   Naive__Step=1  count() then save() on MySQL inside the request: the race condition over-issues.
//   Naive__Step=2  Redis INCR decides, then a synchronous MySQL insert inside the request: the count is right,
//                  but every winner's write hits MySQL during the burst.
// GET /api/users/{userId}/coupons is the "unrelated page" (the course's order and sign-up pages): an ordinary read.
// Settings: ConnectionStrings__coupondb, ConnectionStrings__redis (step 2), Naive__Step, Naive__Quantity (100).
using MySqlConnector;
using StackExchange.Redis;

var builder = WebApplication.CreateSlimBuilder(args);
var step = builder.Configuration.GetValue("Naive:Step", 1);
var quantity = builder.Configuration.GetValue("Naive:Quantity", 100);
var mysql = new MySqlDataSource(builder.Configuration.GetConnectionString("coupondb")
    ?? throw new InvalidOperationException("ConnectionStrings__coupondb is required."));
var redis = step == 2 ? await ConnectionMultiplexer.ConnectAsync(builder.Configuration.GetConnectionString("redis")
    ?? throw new InvalidOperationException("ConnectionStrings__redis is required for step 2.")) : null;
var app = builder.Build();

// The course's Coupon entity: no unique key, so nothing stops a second row.
await using (var connection = await mysql.OpenConnectionAsync())
{
    await new MySqlCommand("""
        CREATE TABLE IF NOT EXISTS naive_coupons (
            id BIGINT AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(64) NOT NULL, user_id BIGINT NOT NULL,
            created_at DATETIME(6) NOT NULL, KEY ix_event (event_id), KEY ix_user (user_id))
        """, connection).ExecuteNonQueryAsync();
}

app.MapPost("/api/events/{eventId}/applications", async (string eventId, Application body) =>
{
    await using var connection = await mysql.OpenConnectionAsync();
    if (step == 1)
    {
        var count = (long)(await new MySqlCommand("SELECT COUNT(*) FROM naive_coupons WHERE event_id = @e", connection)
            { Parameters = { new("@e", eventId) } }.ExecuteScalarAsync())!;
        if (count >= quantity) return Results.StatusCode(StatusCodes.Status410Gone);
    }
    else if (await redis!.GetDatabase().StringIncrementAsync($"naive:{eventId}:count") > quantity)
    {
        return Results.StatusCode(StatusCodes.Status410Gone);
    }
    await new MySqlCommand("INSERT INTO naive_coupons (event_id, user_id, created_at) VALUES (@e, @u, UTC_TIMESTAMP(6))", connection)
        { Parameters = { new("@e", eventId), new("@u", body.UserId) } }.ExecuteNonQueryAsync();
    return Results.StatusCode(StatusCodes.Status201Created);
});

app.MapGet("/api/users/{userId:long}/coupons", async (long userId) =>
{
    await using var connection = await mysql.OpenConnectionAsync();
    await using var reader = await new MySqlCommand("SELECT id, event_id FROM naive_coupons WHERE user_id = @u", connection)
        { Parameters = { new("@u", userId) } }.ExecuteReaderAsync();
    var coupons = new List<long>();
    while (await reader.ReadAsync()) coupons.Add(reader.GetInt64(0));
    return Results.Ok(coupons.Count);
});

app.Run();

internal sealed record Application(long UserId);
