using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// At start-up, before requests are served: the default event exists and Redis knows every event.
/// Waits for MySQL and Redis to be reachable rather than failing the start.
/// </summary>
internal sealed partial class EventSync(IServiceProvider services, IOptions<EventsOptions> options, ILogger<EventSync> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<EventCatalog>().SyncAsync(options.Value, cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is RedisException or MySqlException && attempt < 60)
            {
                LogRetry(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(1, LogLevel.Warning, "Could not copy events to Redis yet (attempt {Attempt}): {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);
}
