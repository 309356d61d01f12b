using System.Net;
using System.Net.Http.Json;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.Data.Redis;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CouponEvent.Tests.Integration;

/// <summary>
/// ApplyApi given a real Redis Cluster as a user gives one (the masters' addresses, no admin mode), with the stack's
/// Kafka and MySQL: healthy, events on different shards each issue exactly their quantity, <c>WAIT</c> goes to the
/// event's own primary, and changes are announced on the event's shard.
/// </summary>
[Collection("stack")]
public sealed class RedisClusterTests(StackFixture stack) : IAsyncLifetime
{
    private RedisCluster _cluster = null!;
    private ApplyApiFactory _factory = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync();
        (_factory, _api) = OnTheCluster();
    }

    /// <summary>An ApplyApi on the cluster, with <paramref name="settings"/>, and an operator's client for it.</summary>
    private (ApplyApiFactory, HttpClient) OnTheCluster(params (string Key, string Value)[] settings)
    {
        var factory = new ApplyApiFactory(stack, web =>
        {
            web.UseSetting("ConnectionStrings:redis", _cluster.MastersConnectionString);
            foreach (var (key, value) in settings) web.UseSetting(key, value);
        });
        factory.UseKestrel(0);
        var api = factory.CreateClient();
        api.DefaultRequestHeaders.Authorization = new("Bearer", stack.AdminToken);
        return (factory, api);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _factory.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Given_the_masters_addresses_ApplyApi_is_healthy_without_admin_mode()
    {
        await Eventually.HoldsAsync(async () => (await _api.GetAsync("/health")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));
        Assert.Equal("Healthy", await _api.GetStringAsync("/health"));
    }

    [Fact]
    public async Task Events_on_three_shards_each_issue_exactly_their_quantity_and_every_primary_holds_the_admission_function()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.MastersConnectionString);
        var events = await EventsOnEveryShardAsync(redis, quantity: 100);
        var users = Enumerable.Range(1, 300).Select(i => 8_100_000L + i).ToList();

        // No retries: every application gets its definite answer the first time, on every shard.
        var races = await Task.WhenAll(events.Select(e => stack.Applicants.RaceAsync(_api, e, users, workers: 16)));

        Assert.All(races, race => Assert.Equal(100, race.Count(HttpStatusCode.Accepted)));
        Assert.All(races, race => Assert.Equal(0, race.Count(HttpStatusCode.ServiceUnavailable)));
        foreach (var (eventId, race) in events.Zip(races))
            Assert.Equal(race.Accepted.Order(), (await stack.Database.WaitForCouponsAsync(eventId, expected: 100)).Order());
        // The library was loaded where each event's slot lives, not on one arbitrary primary.
        foreach (var port in _cluster.Ports.Take(3))
            Assert.Contains("couponevent_", await _cluster.CliAsync(port, "FUNCTION", "LIST"));
    }

    [Fact]
    public async Task A_race_of_10000_users_for_2000_coupons_issues_exactly_2000()
    {
        using var created = await _api.PostAsJsonAsync("/api/events", new { id = "cluster-race", name = "Cluster race", quantity = 2_000 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var users = Enumerable.Range(1, 10_000).Select(i => 8_300_000L + i).ToList();

        var race = await stack.Applicants.RaceAsync(_api, "cluster-race", users, workers: 64);

        Assert.Equal(2_000, race.Count(HttpStatusCode.Accepted));
        Assert.Equal(8_000, race.Count(HttpStatusCode.Gone));
        Assert.Equal(race.Accepted.Order(), (await stack.Database.WaitForCouponsAsync("cluster-race", expected: 2_000)).Order());
    }

    [Fact]
    public async Task With_replica_acknowledgement_an_event_waits_on_its_own_primary_and_no_other()
    {
        var (factory, api) = OnTheCluster(("Admission:ReplicaAcks", "1"), ("Admission:ReplicaTimeout", "00:00:05"));
        await using var _ = factory;
        using var __ = api;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.MastersConnectionString);
        var eventId = (await EventsOnEveryShardAsync(redis, quantity: 50, api)).First();
        var owner = ((IPEndPoint)redis.GetServer((RedisKey)EventKeys.Meta(eventId)).EndPoint).Port;
        foreach (var port in _cluster.Ports.Take(3)) await _cluster.CliAsync(port, "CONFIG", "RESETSTAT");

        var race = await stack.Applicants.RaceAsync(api, eventId, [.. Enumerable.Range(1, 150).Select(i => 8_200_000L + i)], workers: 16);

        // Each master's replica acknowledges: nothing is refused for want of a copy.
        Assert.Equal(50, race.Count(HttpStatusCode.Accepted));
        Assert.Equal(0, race.Count(HttpStatusCode.ServiceUnavailable));
        Assert.Equal(race.Accepted.Order(), (await stack.Database.WaitForCouponsAsync(eventId, expected: 50)).Order());
        // WAIT counts the writes of its own connection: asked of another primary, it would vouch for nothing.
        foreach (var port in _cluster.Ports.Take(3))
        {
            var waits = await _cluster.CliAsync(port, "INFO", "commandstats");
            if (port == owner) Assert.Contains("cmdstat_wait:", waits);
            else Assert.DoesNotContain("cmdstat_wait:", waits);
        }
    }

    [Fact]
    public async Task A_release_on_any_shard_is_announced_on_that_shard_and_reopens_its_sold_out_event_at_once()
    {
        // The periodic check is a minute away: only the announcement can reopen an event in this test.
        var (factory, api) = OnTheCluster(("SoldOut:CheckInterval", "00:01:00"));
        await using var _ = factory;
        using var __ = api;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.MastersConnectionString);
        var events = await EventsOnEveryShardAsync(redis, quantity: 3, api);
        var remembered = factory.Services.GetRequiredService<RememberedAnswers>();
        foreach (var eventId in events)
        {
            for (var user = 1; user <= 4; user++) (await stack.Applicants.ApplyAsync(api, eventId, user)).Dispose();
            await Eventually.HoldsAsync(() => Task.FromResult(remembered.IsSoldOut(eventId)), TimeSpan.FromSeconds(10));
            // The instance listens on the event's shard, not on a channel every node broadcasts.
            var owner = ((IPEndPoint)redis.GetServer((RedisKey)EventKeys.Meta(eventId)).EndPoint).Port;
            var subscribers = (await _cluster.CliAsync(owner, "PUBSUB", "SHARDNUMSUB", EventKeys.Changes(eventId)))
                .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("1", subscribers[^1]);
        }

        foreach (var eventId in events)
        {
            var db = redis.GetDatabase();
            var applicationId = Guid.Parse((string)(await db.HashGetAsync(EventKeys.Winners(eventId), "2"))!);
            Assert.True(await db.ReleaseAsync(eventId, "2", applicationId));
        }
        foreach (var eventId in events)
        {
            await Eventually.HoldsAsync(() => Task.FromResult(!remembered.IsSoldOut(eventId)), TimeSpan.FromSeconds(10));
            using var reopened = await stack.Applicants.ApplyAsync(api, eventId, 100);
            Assert.Equal(HttpStatusCode.Accepted, reopened.StatusCode);
        }
    }

    /// <summary>Creates events until one lives on each master (its keys' slot, from the {eventId} hash tag).</summary>
    private async Task<List<string>> EventsOnEveryShardAsync(ConnectionMultiplexer redis, int quantity, HttpClient? api = null)
    {
        api ??= _api;
        var byShard = new Dictionary<EndPoint, string>();
        while (byShard.Count < 3)
        {
            var id = $"c-{Guid.NewGuid():N}"[..20];
            var shard = redis.GetServer((RedisKey)EventKeys.Meta(id)).EndPoint;
            if (byShard.ContainsKey(shard)) continue;
            using var response = await api.PostAsJsonAsync("/api/events", new { id, name = $"Cluster {id}", quantity });
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            byShard[shard] = id;
        }
        return [.. byShard.Values];
    }
}
