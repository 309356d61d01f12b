using System.Collections.Concurrent;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>A stack of its own with three consumer replicas in one consumer group.</summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, string> _lastAssignment = new();
    private readonly CancellationTokenSource _stopWatching = new();
    private DistributedApplication _app = null!;

    public async Task InitializeAsync()
    {
        _app = await StackFixture.StartAsync(["--AppHost:Replicas:consumer=3"]);
        var logs = _app.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var replica in await new StackResources(_app).ReplicaIdsAsync("consumer")) _ = WatchAsync(logs, replica);
    }

    /// <summary>Each replica's console, as the dashboard shows it: the consumer logs every assignment it gets.</summary>
    private async Task WatchAsync(ResourceLoggerService logs, string replica)
    {
        const string marker = "Assigned partitions ";
        try
        {
            await foreach (var batch in logs.WatchAsync(replica).WithCancellation(_stopWatching.Token))
            {
                foreach (var line in batch)
                {
                    var at = line.Content.IndexOf(marker, StringComparison.Ordinal);
                    if (at >= 0) _lastAssignment[replica] = line.Content[(at + marker.Length)..].Trim();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task DisposeAsync()
    {
        await _stopWatching.CancelAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Three_consumer_replicas_share_the_partitions_and_the_race_still_ends_with_exactly_100_coupons()
    {
        using var client = _app.CreateHttpClient("applyapi");
        var mysql = (await _app.GetConnectionStringAsync("coupondb"))!;

        var race = await StackFixture.RaceAsync(client, "default", Enumerable.Range(1, 1000).Select(i => (long)i).ToList(), workers: 32);

        Assert.Equal(100, race.Count(HttpStatusCode.Accepted));
        Assert.Equal(race.Accepted, await new CouponDatabase(mysql).WaitForCouponsAsync("default", expected: 100));

        // Each replica ends up with its own share of the six partitions.
        await Eventually.HoldsAsync(() => Task.FromResult(
            _lastAssignment.Count == 3 && Partitions().Count == 6 && _lastAssignment.Values.All(v => v.Length > 0)));
        Assert.Equal(Enumerable.Range(0, 6), Partitions().Order());
        Assert.All(_lastAssignment.Values, v => Assert.NotEmpty(v));
    }

    private List<int> Partitions() =>
        _lastAssignment.Values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList();
}
