using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// Redis as the service uses it, with no admin command: every primary the client knows answers PING, and on a cluster
/// every one of the 16,384 slots is served by a connected primary. Aspire's own check asks <c>CLUSTER INFO</c>, which
/// StackExchange.Redis allows only in admin mode, so a cluster given as a user gives it (its masters' addresses) would
/// never be healthy. Some slots unserved (a shard failing over, or lost) is Degraded, not Unhealthy: only that shard's
/// events wait, and the instance keeps answering for the others.
/// </summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    private const int Slots = 16384;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connected = redis.GetServers().Where(s => s.IsConnected).ToList();
            var primaries = connected.Where(s => !s.IsReplica).ToList();
            if (primaries.Count == 0) return HealthCheckResult.Unhealthy("No Redis primary is connected.");
            await Task.WhenAll(primaries.Select(p => p.PingAsync()));

            if (primaries[0].ServerType != ServerType.Cluster) return HealthCheckResult.Healthy();
            var served = ServedSlots(connected);
            return served == Slots ? HealthCheckResult.Healthy()
                : served > 0 ? HealthCheckResult.Degraded($"{Slots - served} of {Slots} cluster slots have no connected primary; their events wait.")
                : HealthCheckResult.Unhealthy("No cluster slot has a connected primary.");
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }

    /// <summary>
    /// Slots that a connected node says it serves as a primary, each node's word about itself (its own <c>CLUSTER
    /// NODES</c> line, as the client last read it): another node's view of the cluster may predate a failover.
    /// </summary>
    private static int ServedSlots(IEnumerable<IServer> connected)
    {
        var served = new System.Collections.BitArray(Slots);
        foreach (var server in connected)
        {
            if (server.ClusterConfiguration?[server.EndPoint] is not { IsReplica: false } self) continue;
            foreach (var range in self.Slots)
                for (var slot = range.From; slot <= range.To; slot++) served[slot] = true;
        }
        var count = 0;
        for (var slot = 0; slot < Slots; slot++) if (served[slot]) count++;
        return count;
    }
}
