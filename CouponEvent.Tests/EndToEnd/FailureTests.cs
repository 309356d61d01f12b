using System.Net;
using CouponEvent.Data;
using CouponEvent.Data.Redis;
using CouponEvent.Tests.Infrastructure;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>Parts of the stack fail mid-race; every 202 must still end as exactly one coupon row.</summary>
[Collection("stack")]
public sealed class FailureTests(StackFixture stack)
{
    [Fact]
    public async Task A_consumer_killed_mid_batch_and_restarted_leaves_no_duplicate_and_no_gap()
    {
        const int quantity = 8000;
        var eventId = await stack.CreateEventAsync(quantity);

        var race = stack.Applicants.RaceUntilAnsweredAsync(stack.ApplyApi, eventId, Enumerable.Range(1, quantity).Select(i => (long)i).ToList(), workers: 64);
        // Kill it while it is writing: some rows in, the rest still to come.
        await Eventually.HoldsAsync(async () => await stack.Database.CouponCountAsync(eventId) > 500);
        await stack.Resources.KillAsync("consumer");
        var countAtKill = await stack.Database.CouponCountAsync(eventId);
        await stack.Resources.StartAsync("consumer");

        var result = await race;
        Assert.True(countAtKill < quantity, $"the consumer was killed too late to prove anything ({countAtKill} rows)");
        Assert.Equal(quantity, result.Accepted.Count);
        Assert.Equal(result.Accepted, await stack.Database.WaitForCouponsAsync(eventId, quantity));
    }

    [Fact]
    public async Task MariaDB_stopped_during_consumption_and_started_again_loses_nothing()
    {
        const int quantity = 8000;
        var eventId = await stack.CreateEventAsync(quantity);

        var race = stack.Applicants.RaceUntilAnsweredAsync(stack.ApplyApi, eventId, Enumerable.Range(1, quantity).Select(i => (long)i).ToList(), workers: 32);
        await Eventually.HoldsAsync(async () => await stack.Database.CouponCountAsync(eventId) > 500);
        var countAtStop = await stack.Database.CouponCountAsync(eventId);
        await stack.Resources.StopAsync("mysql");
        // The race goes on: admission never touches MySQL.
        var result = await race;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stack.Resources.StartAsync("mysql");

        Assert.True(countAtStop < quantity, $"MariaDB was stopped too late to prove anything ({countAtStop} rows)");
        Assert.Equal(quantity, result.Accepted.Count);
        Assert.Equal(result.Accepted, await stack.Database.WaitForCouponsAsync(eventId, quantity));
    }

    [Fact]
    public async Task A_connection_MariaDB_closed_fails_its_next_transaction_with_an_error_every_retry_loop_catches()
    {
        await using var victim = new MySqlConnection($"{stack.MySqlConnectionString};Pooling=false");
        await victim.OpenAsync();
        await using (var admin = new MySqlConnection(stack.MySqlConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new MySqlCommand($"KILL CONNECTION {victim.ServerThread}", admin);
            await kill.ExecuteNonQueryAsync();
        }

        // What a server that stops or restarts leaves in a pool: the next transaction's start reads the closed socket.
        // MySqlConnector reports it as an end-of-stream IOException, not a MySqlException: a catch of MySqlException
        // alone once let it stop the Consumer's host.
        var failure = await Assert.ThrowsAnyAsync<Exception>(async () => await victim.BeginTransactionAsync());
        Assert.IsNotType<MySqlException>(failure);
        Assert.True(MySqlFailure.Is(failure), failure.ToString());
    }

    [Fact]
    public async Task Redis_restarted_empty_mid_race_is_rebuilt_from_MySQL_and_issues_exactly_the_quantity()
    {
        const int quantity = 1000;
        var eventId = await stack.CreateEventAsync(quantity);
        var users = Enumerable.Range(1, 4000).Select(i => (long)i).ToList();

        // Strike on Redis's own count: MySQL's rows come in consumer batches of up to 500 and can jump past the quantity.
        await using var watcher = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var race = stack.Applicants.RaceUntilAnsweredAsync(stack.ApplyApi, eventId, users, workers: 32);
        await Eventually.HoldsAsync(async () => await watcher.GetDatabase().HashLengthAsync(EventKeys.Winners(eventId)) > 300);
        var countAtLoss = await watcher.GetDatabase().HashLengthAsync(EventKeys.Winners(eventId));
        await stack.Resources.RestartRedisEmptyAsync();
        // Those told 503 (Redis away, then the event rebuilding) try again, as users would.
        var answers = (await race).Answers;

        var accepted = answers.Where(a => a.Value == HttpStatusCode.Accepted).Select(a => a.Key).ToHashSet();
        Assert.True(countAtLoss < quantity, $"Redis was wiped too late to prove anything ({countAtLoss} admitted)");
        Assert.DoesNotContain(HttpStatusCode.ServiceUnavailable, answers.Values);
        Assert.Equal(quantity, accepted.Count);
        Assert.Equal(accepted, await stack.Database.WaitForCouponsAsync(eventId, quantity));
    }
}
