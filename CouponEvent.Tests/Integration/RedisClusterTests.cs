using System.Net;
using System.Net.Http.Json;
using CouponEvent.Data.Redis;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using StackExchange.Redis;

namespace CouponEvent.Tests.Integration;

/// <summary>
/// ApplyApi given a real Redis Cluster as a user gives one (the masters' addresses, no admin mode), with the stack's
/// Kafka and MySQL: healthy, and events on different shards each issue exactly their quantity.
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
        _factory = new ApplyApiFactory(stack, web => web.UseSetting("ConnectionStrings:redis", _cluster.MastersConnectionString));
        _factory.UseKestrel(0);
        _api = _factory.CreateClient();
        _api.DefaultRequestHeaders.Authorization = new("Bearer", stack.AdminToken);
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

    /// <summary>Creates events until one lives on each master (its keys' slot, from the {eventId} hash tag).</summary>
    private async Task<List<string>> EventsOnEveryShardAsync(ConnectionMultiplexer redis, int quantity)
    {
        var byShard = new Dictionary<EndPoint, string>();
        while (byShard.Count < 3)
        {
            var id = $"c-{Guid.NewGuid():N}"[..20];
            var shard = redis.GetServer((RedisKey)EventKeys.Meta(id)).EndPoint;
            if (byShard.ContainsKey(shard)) continue;
            using var response = await _api.PostAsJsonAsync("/api/events", new { id, name = $"Cluster {id}", quantity });
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            byShard[shard] = id;
        }
        return [.. byShard.Values];
    }
}
