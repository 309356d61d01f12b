using System.Collections.Concurrent;
using System.Net;
using CouponEvent.AppHost.Hosting;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>A stack of its own with three consumer replicas in one consumer group.</summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, string> _lastAssignment = new();
    private DistributedApplication _app = null!;

    public async Task InitializeAsync()
    {
        _app = await DistributedApplicationTesting.CreateAsync(["--mode", "local", "--replicas", "consumer=3"],
            options => options with { Output = Watch });
        await _app.StartAsync();
    }

    private void Watch(string resource, string line)
    {
        const string marker = "Assigned partitions ";
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0) _lastAssignment[resource] = line[(at + marker.Length)..].Trim();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Three_consumer_replicas_share_the_partitions_and_the_race_still_ends_with_exactly_100_coupons()
    {
        using var client = _app.CreateHttpClient("applyapi");
        var mysql = _app.GetConnectionString("coupondb");

        var race = await StackFixture.RaceAsync(client, "default", Enumerable.Range(1, 1000).Select(i => (long)i).ToList(), workers: 32);

        Assert.Equal(100, race.Count(HttpStatusCode.Accepted));
        Assert.Equal(race.Accepted, await new CouponDatabase(mysql).WaitForCouponsAsync("default", expected: 100));

        // Each replica ends up with its own share of the six partitions.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(_lastAssignment.Count == 3 && Partitions().Count == 6 && _lastAssignment.Values.All(v => v.Length > 0)) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal(["consumer-1", "consumer-2", "consumer-3"], _lastAssignment.Keys.Order());
        Assert.Equal(Enumerable.Range(0, 6), Partitions().Order());
        Assert.All(_lastAssignment.Values, v => Assert.NotEmpty(v));
    }

    private List<int> Partitions() =>
        _lastAssignment.Values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList();
}
