using CouponEvent.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Aspire.Hosting;

public static class RedisClusterBuilderExtensions
{
    /// <summary>
    /// A Redis Cluster of redis-server executables, as an operator makes one: <paramref name="masters"/> primaries and a
    /// replica each (<c>{name}-1</c> …), joined by <c>redis-cli --cluster create</c> (<c>{name}-create</c>) once every
    /// node answers. Services get <c>ConnectionStrings__{name}</c>: every node's address, no admin mode (the client
    /// learns the slot map from any of them). Healthy when every node that answers says <c>cluster_state:ok</c>.
    /// </summary>
    public static IResourceBuilder<ConnectionStringResource> AddRedisCluster(this IDistributedApplicationBuilder builder,
        [ResourceName] string name, string dataRoot, int masters = 3)
    {
        var nodes = Enumerable.Range(1, masters * 2).Select(i => builder.AddRedisServer($"{name}-{i}", dataRoot).AsClusterNode()).ToList();

        var addresses = new ReferenceExpressionBuilder();
        foreach (var node in nodes)
        {
            if (node != nodes[0]) addresses.AppendLiteral(",");
            addresses.Append($"{node.Resource.ConnectionStringExpression}");
        }
        var healthCheckKey = $"{name}_cluster_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new ClusterStateHealthCheck([.. nodes.Select(n => n.Resource)]), failureStatus: null, tags: null));
        var cluster = builder.AddConnectionString(name, addresses.Build()).WithHealthCheck(healthCheckKey);

        // The first nodes listed become the primaries; the rest their replicas.
        var create = builder.AddExecutable($"{name}-create", Executables.Find("redis-cli", "redis-tools"), dataRoot)
            .WithArgs(context =>
            {
                context.Args.Add("--cluster");
                context.Args.Add("create");
                foreach (var node in nodes) context.Args.Add(node.Resource.ConnectionStringExpression);
                foreach (var arg in new[] { "--cluster-replicas", "1", "--cluster-yes" }) context.Args.Add(arg);
            })
            .WithParentRelationship(cluster);
        foreach (var node in nodes)
        {
            create.WaitFor(node);
            node.WithParentRelationship(cluster);
        }
        return cluster;
    }

    /// <summary>
    /// Cluster mode on a port of its own for the cluster bus (Redis's default, port + 10000, may be taken or past 65535),
    /// a node declared failed after 2 s without an answer, so that its replica takes over within seconds, and the other
    /// shards serving while one has no node left (<c>cluster-require-full-coverage no</c>): a lost shard pauses its
    /// events only.
    /// </summary>
    private static IResourceBuilder<RedisServerResource> AsClusterNode(this IResourceBuilder<RedisServerResource> node) =>
        node.WithEndpoint(name: "bus", scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                foreach (var arg in new[] { "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no", "--cluster-port" })
                    context.Args.Add(arg);
                context.Args.Add(node.GetEndpoint("bus").Property(EndpointProperty.TargetPort));
            });

    /// <summary>Every node that answers says <c>cluster_state:ok</c> (all slots served); admin mode is the operator's here.</summary>
    private sealed class ClusterStateHealthCheck(IReadOnlyList<RedisServerResource> nodes) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var answered = 0;
            foreach (var node in nodes)
            {
                var address = await node.ConnectionStringExpression.GetValueAsync(cancellationToken);
                try
                {
                    await using var connection = await ConnectionMultiplexer.ConnectAsync($"{address},abortConnect=true,connectTimeout=1000,allowAdmin=true");
                    var server = connection.GetServer(address!);
                    var info = (string?)await server.ExecuteAsync("CLUSTER", "INFO") ?? "";
                    if (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
                        return HealthCheckResult.Unhealthy($"{node.Name} says the cluster is not whole yet.");
                    answered++;
                }
                catch (Exception ex) when (ex is RedisException or InvalidOperationException)
                {
                    // A node that is down: its replica answers for its slots, which the others' state says.
                }
            }
            return answered > 0 ? HealthCheckResult.Healthy($"{answered} of {nodes.Count} nodes answer") : HealthCheckResult.Unhealthy("No node answers.");
        }
    }
}
