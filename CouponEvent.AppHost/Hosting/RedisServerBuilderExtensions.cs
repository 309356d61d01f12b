using CouponEvent.AppHost.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Aspire.Hosting;

public static class RedisServerBuilderExtensions
{
    /// <summary>
    /// redis-server from the machine's packages, on a loopback port Aspire allocates. AOF on and noeviction, as
    /// production wants: admissions must survive a restart and never be evicted.
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder,
        [ResourceName] string name, string dataRoot)
    {
        var dataDirectory = Path.Combine(dataRoot, name);
        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
        {
            Directory.CreateDirectory(dataDirectory);
            return Task.CompletedTask;
        });
        var redis = new RedisServerResource(name, Executables.Find("redis-server", "redis-server"), dataDirectory);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new RedisPingHealthCheck(redis), failureStatus: null, tags: null));

        return builder.AddResource(redis)
            .WithEndpoint(name: RedisServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                foreach (var arg in new[] {
                    "--bind", "127.0.0.1", "--dir", dataDirectory,
                    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--maxmemory-policy", "noeviction", "--daemonize", "no", "--protected-mode", "yes",
                }) context.Args.Add(arg);
            })
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>PING on a connection of its own: the server is up and loaded its data.</summary>
    private sealed class RedisPingHealthCheck(RedisServerResource redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var address = await redis.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{address},abortConnect=true,connectTimeout=2000");
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is RedisException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}
