using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using CouponEvent.Data.Messages;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>A stack of its own with three consumer replicas in one consumer group.</summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private const string AssignedMarker = "Assigned partitions ";
    private DistributedApplication _app = null!;
    private ReplicaLogs _consumers = null!;

    public async Task InitializeAsync()
    {
        _app = await StackFixture.StartAsync(["--AppHost:Replicas:consumer=3"]);
        _consumers = await ReplicaLogs.FollowAsync(_app, "consumer");
    }

    public async Task DisposeAsync()
    {
        await _consumers.DisposeAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Three_consumer_replicas_share_the_partitions_and_the_race_still_ends_with_exactly_100_coupons()
    {
        using var client = _app.CreateHttpClient("applyapi");
        var database = new CouponDatabase((await _app.GetConnectionStringAsync("coupondb"))!, (await _app.GetConnectionStringAsync("kafka"))!);

        using var identity = _app.CreateHttpClient("identity");
        var race = await new Applicants(identity).RaceAsync(client, "default", Enumerable.Range(1, 1000).Select(i => (long)i).ToList(), workers: 32);

        Assert.Equal(100, race.Count(HttpStatusCode.Accepted));
        Assert.Equal(race.Accepted, await database.WaitForCouponsAsync("default", expected: 100));

        // Each replica ends up with its own share of the partitions (its console logs every assignment it gets).
        await Eventually.HoldsAsync(() => Task.FromResult(LastAssignments() is { Count: 3 } last
            && last.Values.All(p => p.Count > 0) && last.Values.Sum(p => p.Count) == Topics.CouponCreatePartitions));
        Assert.Equal(Enumerable.Range(0, Topics.CouponCreatePartitions), LastAssignments().Values.SelectMany(p => p).Order());
    }

    /// <summary>Each replica's latest assignment, as it logged it.</summary>
    private Dictionary<string, List<int>> LastAssignments() => _consumers.Lines
        .Select(r => (Replica: r.Key, Last: r.Value.LastOrDefault(line => line.Contains(AssignedMarker, StringComparison.Ordinal))))
        .Where(r => r.Last is not null)
        .ToDictionary(r => r.Replica, r => r.Last![(r.Last!.IndexOf(AssignedMarker, StringComparison.Ordinal) + AssignedMarker.Length)..]
            .Trim().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList());
}
