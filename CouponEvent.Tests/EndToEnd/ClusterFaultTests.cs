using System.Diagnostics;
using System.Net;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Redis;
using CouponEvent.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>
/// The promise under faults in the cluster topology (a Redis Cluster of 3 primaries and 3 replicas, a 3-broker Kafka,
/// 2 ApplyApi, 3 Consumer and 2 RetryJob replicas): three events race at once, one on each Redis shard, and one part
/// breaks mid-race. Each event is then checked as the single-node suite checks one (<see cref="FaultInjectionTests"/>):
/// no user twice, never more than the quantity, every 202 a row, no row without a 202, every request answered.
/// </summary>
[Collection("cluster")]
public sealed class ClusterFaultTests(ClusterStackFixture stack, ITestOutputHelper output)
{
    public enum Fault
    {
        /// <summary>The primary of the first event's shard is killed (SIGKILL); its replica is promoted, then it rejoins as a replica.</summary>
        RedisPrimaryKilled,
        /// <summary>The shard's primary and its replica are both killed and come back with no data: the shard's events are rebuilt from MySQL.</summary>
        RedisShardLost,
        /// <summary>A broker other than partition 0's leader, the one that leads the fewest partitions, is taken down for 5 s.</summary>
        KafkaBrokerDown,
        /// <summary>The broker that leads partition 0 (and the bootstrap's first choice) is taken down for 10 s; leadership moves.</summary>
        KafkaLeaderKilled,
        ApplyApiKilled,
    }

    /// <summary>The AppHost's resources for the cluster's six redis-server nodes.</summary>
    private static readonly string[] RedisNodes = [.. Enumerable.Range(1, 6).Select(i => $"redis-{i}")];

    [Theory]
    [InlineData(Fault.RedisPrimaryKilled, 1000, 100)]
    [InlineData(Fault.RedisPrimaryKilled, 6667, 1667)]
    [InlineData(Fault.RedisShardLost, 1000, 100)]
    [InlineData(Fault.RedisShardLost, 6667, 1667)]
    [InlineData(Fault.KafkaBrokerDown, 1000, 100)]
    [InlineData(Fault.KafkaBrokerDown, 6667, 1667)]
    [InlineData(Fault.KafkaLeaderKilled, 1000, 100)]
    [InlineData(Fault.KafkaLeaderKilled, 6667, 1667)]
    [InlineData(Fault.ApplyApiKilled, 1000, 100)]
    [InlineData(Fault.ApplyApiKilled, 6667, 1667)]
    public async Task The_invariant_holds_for_each_event_on_each_shard(Fault fault, int users, int quantity)
    {
        await ClusterHealthyAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{stack.RedisConnectionString},allowAdmin=true");
        var events = await EventsOnEveryShardAsync(redis, quantity);
        var everyone = Enumerable.Range(1, users).Select(i => (long)i).ToList();
        await stack.Applicants.PrepareAsync(everyone);
        var clients = await stack.ApplyApiReplicaClientsAsync();
        var races = events.Select(e => new Race(clients, e, stack.Applicants)).ToList();

        var runs = races.Select(r => r.RunAsync(everyone, arrivals: TimeSpan.FromSeconds(3))).ToList();
        await Eventually.HoldsAsync(() => Task.FromResult(runs[0].IsCompleted || races[0].Requests >= users / 10));
        // The struck event's race must still be running when the fault strikes, or it proves nothing.
        var struckMidRace = !runs[0].IsCompleted;
        await InjectAsync(fault, redis, events[0]);
        await Task.WhenAll(runs);

        foreach (var (eventId, race, shard) in events.Zip(races, ["struck", "other", "other"]))
        {
            await race.SweepAsync(everyone, () => stack.Database.CouponCountAsync(eventId), quantity);
            var outcome = await RaceOutcome.MeasureAsync(stack, eventId, race, quantity);
            var row = outcome.Row($"cluster: {fault}, {shard} shard", users);
            output.WriteLine(row);
            foreach (var (reason, count) in race.NoAnswerReasons) output.WriteLine($"no answer ({count}): {reason}");
            FaultTable.Append(row);
            outcome.AssertHolds(replicaKilled: fault == Fault.ApplyApiKilled);
        }
        Assert.True(struckMidRace, "the struck event's race ended before the fault: it proved nothing");
    }

    private async Task InjectAsync(Fault fault, ConnectionMultiplexer redis, string eventId)
    {
        switch (fault)
        {
            case Fault.RedisPrimaryKilled:
            {
                var (primary, replica) = ShardOf(redis, eventId);
                await stack.Resources.KillAsync(primary);
                // The replica takes over once the others count the primary as failed (cluster-node-timeout 2 s).
                await Eventually.HoldsAsync(async () => (await CliAsync(replica, "ROLE")).StartsWith("master", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                await stack.Resources.StartAsync(primary);
                break;
            }
            case Fault.RedisShardLost:
            {
                var (primary, replica) = ShardOf(redis, eventId);
                await Task.WhenAll(stack.Resources.KillAsync(primary), stack.Resources.KillAsync(replica));
                // Both nodes' data gone; each keeps its cluster configuration (nodes.conf), as a rebuilt machine would get.
                foreach (var node in new[] { primary, replica })
                {
                    var aof = Path.Combine(stack.Resources.Get<RedisServerResource>(node).DataDirectory, "appendonlydir");
                    if (Directory.Exists(aof)) Directory.Delete(aof, recursive: true);
                }
                await Task.Delay(TimeSpan.FromSeconds(3));
                await stack.Resources.StartAsync(primary);
                await stack.Resources.StartAsync(replica);
                break;
            }
            case Fault.KafkaBrokerDown:
            case Fault.KafkaLeaderKilled:
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = stack.KafkaBootstrapServers }).Build();
                var metadata = admin.GetMetadata(Topics.CouponCreate, TimeSpan.FromSeconds(10));
                var partitions = metadata.Topics[0].Partitions;
                var leaderOfFirst = partitions.Single(p => p.PartitionId == 0).Leader;
                var broker = fault == Fault.KafkaLeaderKilled
                    ? leaderOfFirst
                    : metadata.Brokers.Select(b => b.BrokerId).Where(id => id != leaderOfFirst).MinBy(id => partitions.Count(p => p.Leader == id));
                await stack.Resources.ExecuteAsync("kafka-mock", $"broker-{broker}-down");
                await Task.Delay(TimeSpan.FromSeconds(fault == Fault.KafkaLeaderKilled ? 10 : 5));
                await stack.Resources.ExecuteAsync("kafka-mock", $"broker-{broker}-up");
                break;
            }
            case Fault.ApplyApiKilled:
                var applyApi = (await stack.Resources.ReplicaIdsAsync("applyapi"))[1];
                await stack.Resources.KillAsync(applyApi);
                await Task.Delay(TimeSpan.FromSeconds(2));
                await stack.Resources.StartAsync(applyApi);
                break;
        }
    }

    /// <summary>Every node counts the cluster whole again (<c>cluster_state:ok</c>): an earlier case's fault is over.</summary>
    private Task ClusterHealthyAsync() => Eventually.HoldsAsync(async () =>
    {
        foreach (var node in RedisNodes)
            if (!(await CliAsync(node, "CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal)) return false;
        return true;
    }, TimeSpan.FromSeconds(90));

    /// <summary>Creates events until one lives on each primary (its keys' slot, from the {eventId} hash tag); the first is struck.</summary>
    private async Task<List<string>> EventsOnEveryShardAsync(ConnectionMultiplexer redis, int quantity)
    {
        var byShard = new Dictionary<EndPoint, string>();
        while (byShard.Count < 3)
        {
            var id = $"k-{Guid.NewGuid():N}"[..20];
            var shard = redis.GetServer((RedisKey)EventKeys.Meta(id)).EndPoint;
            if (byShard.ContainsKey(shard)) continue;
            byShard[shard] = await stack.CreateEventAsync(quantity, id: id);
        }
        return [.. byShard.Values];
    }

    /// <summary>The node resources (<c>redis-3</c>) of the primary that owns the event's slot and of its replica.</summary>
    private (string Primary, string Replica) ShardOf(ConnectionMultiplexer redis, string eventId)
    {
        var primary = redis.GetServer((RedisKey)EventKeys.Meta(eventId));
        var nodes = primary.ClusterConfiguration ?? throw new InvalidOperationException("No cluster configuration.");
        var replica = nodes.Nodes.Single(n => n.IsReplica && n.ParentNodeId == nodes[primary.EndPoint]!.NodeId);
        return (NodeAt(primary.EndPoint), NodeAt(replica.EndPoint!));
    }

    private string NodeAt(EndPoint endpoint)
    {
        var port = ((IPEndPoint)endpoint).Port;
        return RedisNodes
            .Single(name => stack.Resources.Get<RedisServerResource>(name).PrimaryEndpoint.Port == port);
    }

    private async Task<string> CliAsync(string node, params string[] command)
    {
        var port = stack.Resources.Get<RedisServerResource>(node).PrimaryEndpoint.Port.ToString();
        using var cli = Process.Start(new ProcessStartInfo("redis-cli", ["-p", port, .. command]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync();
        return text;
    }
}
