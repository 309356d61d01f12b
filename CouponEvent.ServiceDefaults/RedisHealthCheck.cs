using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// Redis as the service uses it, with no admin command: every primary the client knows answers PING, and on a cluster
/// every one of the 16,384 slots has a connected primary (from the slot map the client keeps). Aspire's own check asks
/// <c>CLUSTER INFO</c>, which StackExchange.Redis allows only in admin mode, so a cluster given as a user gives it
/// (its masters' addresses) would never be healthy.
/// </summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    private const int Slots = 16384;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var primaries = redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
            if (primaries.Count == 0) return HealthCheckResult.Unhealthy("No Redis primary is connected.");
            await Task.WhenAll(primaries.Select(p => p.PingAsync()));

            if (primaries[0].ServerType != ServerType.Cluster) return HealthCheckResult.Healthy();
            var connected = primaries.Select(p => p.EndPoint.ToString()).ToHashSet();
            var served = primaries[0].ClusterConfiguration?.Nodes
                .Where(n => !n.IsReplica && connected.Contains(n.EndPoint?.ToString() ?? ""))
                .SelectMany(n => n.Slots).Sum(range => range.To - range.From + 1) ?? 0;
            return served == Slots
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"{Slots - served} of {Slots} cluster slots have no connected primary.");
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
