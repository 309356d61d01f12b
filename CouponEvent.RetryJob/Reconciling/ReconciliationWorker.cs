using CouponEvent.Data;
using Confluent.Kafka;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.RetryJob.Reconciling;

/// <summary>Every <see cref="ReconciliationOptions.Interval"/>, reconciles every event.</summary>
public sealed partial class ReconciliationWorker(IServiceScopeFactory scopes, IOptions<ReconciliationOptions> options, TimeProvider time,
    ILogger<ReconciliationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        for (var round = 0; await timer.WaitForNextTickAsync(stoppingToken); round++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var reconciler = scope.ServiceProvider.GetRequiredService<Reconciler>();
                var events = await scope.ServiceProvider.GetRequiredService<CouponDbContext>().Events.AsNoTracking().ToListAsync(stoppingToken);
                // Every tenth round compares user by user; the others compare counts and dig in only when they differ.
                foreach (var e in events) await reconciler.ReconcileAsync(e, thorough: round % 10 == 0, stoppingToken);
            }
            catch (Exception ex) when (ex is RedisException or MySqlException or KafkaException or TimeoutException
                                       || ex.InnerException is MySqlException)
            {
                LogRoundFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(3110, LogLevel.Warning, "Reconciliation round failed, trying again next interval: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string reason);
}
