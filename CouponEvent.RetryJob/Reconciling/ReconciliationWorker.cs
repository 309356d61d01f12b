using CouponEvent.Data;
using Confluent.Kafka;
using CouponEvent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CouponEvent.RetryJob.Reconciling;

/// <summary>Every <see cref="ReconciliationOptions.Interval"/>, reconciles every live event, on one replica at a time.</summary>
public sealed partial class ReconciliationWorker(IServiceScopeFactory scopes, IOptions<ReconciliationOptions> options, TimeProvider time,
    ILogger<ReconciliationWorker> logger) : BackgroundService
{
    private const string LockName = "coupondb.reconciliation";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        for (var round = 0; await timer.WaitForNextTickAsync(stoppingToken); round++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var reconciler = scope.ServiceProvider.GetRequiredService<Reconciler>();
                var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
                // One round at a time across replicas: two at once would do the work twice, and the one that found
                // nothing left to do would write its report over the other's.
                await NamedLock.RunAsync(db.Database, LockName, TimeSpan.Zero, async () =>
                {
                    // The live events only: a settled one is over, every winner a row, and gone from Redis.
                    var events = await db.Events.AsNoTracking().Where(e => e.SettledAt == null).ToListAsync(stoppingToken);
                    // Every tenth round compares user by user; the others compare counts and dig in only when they differ.
                    foreach (var e in events) await reconciler.ReconcileAsync(e, thorough: round % 10 == 0, stoppingToken);
                    RetryJobTelemetry.ReconciliationRound(events.Count);
                }, stoppingToken);
            }
            catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex) || ex is KafkaException || MySqlFailure.Is(ex))
            {
                LogRoundFailed(logger, ex.Message);
            }
        }
    }

    [LoggerMessage(3110, LogLevel.Warning, "Reconciliation round failed, trying again next interval: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string reason);
}
