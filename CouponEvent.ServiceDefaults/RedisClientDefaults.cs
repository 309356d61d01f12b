using Aspire.StackExchange.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// How every service's Redis client behaves: <c>builder.AddRedis()</c>, Aspire.StackExchange.Redis's client (the
/// multiplexer, its configuration section <c>Aspire:StackExchange:Redis</c>) with these settings, and a health check
/// that works on a single Redis, Sentinel and a cluster alike (<see cref="RedisHealthCheck"/>).
/// </summary>
public static class RedisClientDefaults
{
    /// <param name="healthCheck">False for a service whose work goes on without Redis.</param>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder, string connectionName, bool healthCheck = true)
    {
        builder.AddRedisClient(connectionName, Settings, Options);
        if (healthCheck) builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>(connectionName);
        return builder;
    }

    /// <summary>
    /// Redis spans are ours: the admission span carries the decision, and the services' once-a-second checks (event
    /// state, sold-out counts) would each be a trace of their own, burying the applications'.
    /// </summary>
    private static void Settings(StackExchangeRedisSettings settings)
    {
        settings.DisableTracing = true;
        settings.DisableHealthChecks = true;
    }

    /// <summary>
    /// Keep trying in the background while Redis is away, and fail a command after 2 s rather than hang a request:
    /// the user gets a 503 and may try again.
    /// </summary>
    private static void Options(ConfigurationOptions options)
    {
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.AsyncTimeout = 2000;
        options.SyncTimeout = 2000;
    }

    /// <summary>
    /// Redis did not answer: a connection or command failure (<see cref="RedisException"/>) or a command that timed out
    /// (<see cref="RedisTimeoutException"/>, which is a <see cref="TimeoutException"/>, not a RedisException). Both mean
    /// the same to a caller, and a catch of one alone lets the other kill a background loop (and, by default, its host).
    /// </summary>
    public static bool IsUnavailable(Exception ex) => ex is RedisException or RedisTimeoutException;

    /// <summary>
    /// Whether a failed command certainly did not run: Redis refused it (an error reply), or the client never wrote it
    /// (no connection, or still queued). Any other failure may have come after Redis ran it.
    /// </summary>
    public static bool NeverRan(Exception ex) => ex switch
    {
        RedisServerException => true,
        RedisConnectionException c => c.CommandStatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        RedisTimeoutException t => t.Commandstatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        _ => false,
    };
}
