using Aspire.StackExchange.Redis;
using StackExchange.Redis;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// How every service's Redis client behaves: <c>builder.AddRedisClient("redis", RedisClientDefaults.Settings,
/// RedisClientDefaults.Options)</c> (Aspire.StackExchange.Redis: the multiplexer, its health check, its configuration
/// section <c>Aspire:StackExchange:Redis</c>).
/// </summary>
public static class RedisClientDefaults
{
    /// <summary>
    /// Redis spans are ours: the admission span carries the decision, and the services' once-a-second checks (event
    /// state, sold-out counts) would each be a trace of their own, burying the applications'.
    /// </summary>
    public static void Settings(StackExchangeRedisSettings settings) => settings.DisableTracing = true;

    /// <summary>
    /// Keep trying in the background while Redis is away, and fail a command after 2 s rather than hang a request:
    /// the user gets a 503 and may try again.
    /// </summary>
    public static void Options(ConfigurationOptions options)
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
}
