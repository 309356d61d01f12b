using CouponEvent.ApplyApi.Admission;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// Keeps Redis's per-event state in step with MySQL. Before requests are served it creates the default event;
/// then, every <see cref="RecoveryOptions.CheckInterval"/>, it refreshes the known events and rebuilds the state of
/// any event Redis lost (a restart without its data, or a new Redis): once the consumer has caught up, winners =
/// issued coupons + failed events, and only then the event itself, which reopens admissions.
/// Meanwhile applications to that event get 503, never a decision on partial state.
/// </summary>
internal sealed partial class EventStateKeeper(
    IServiceScopeFactory scopes,
    EventAdmission admission,
    KnownEvents known,
    KafkaConsumerLag lag,
    IOptions<EventsOptions> events,
    IOptions<RecoveryOptions> recovery,
    TimeProvider time,
    ILogger<EventStateKeeper> logger) : BackgroundService
{
    /// <summary>When each event was first seen without state.</summary>
    private readonly Dictionary<string, DateTimeOffset> _missingSince = [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<EventCatalog>().EnsureDefaultAsync(events.Value, cancellationToken);
                await RefreshAsync(cancellationToken);
                break;
            }
            catch (Exception ex) when (IsPassing(ex) && attempt < 60)
            {
                LogRetry(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(recovery.Value.CheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (IsPassing(ex))
            {
                LogRetry(logger, 0, ex.Message);
            }
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var catalog = scope.ServiceProvider.GetRequiredService<EventCatalog>();
        var all = await catalog.ListAsync(cancellationToken);
        known.Replace(all.Select(e => e.Id));

        var missing = await admission.MissingStateAsync(all.Select(e => e.Id));
        var now = time.GetUtcNow();
        foreach (var id in _missingSince.Keys.Except(missing).ToList()) _missingSince.Remove(id);
        foreach (var id in missing) _missingSince.TryAdd(id, now);
        var settled = missing.Where(id => now - _missingSince[id] >= recovery.Value.SettleTime).ToList();
        if (settled.Count == 0) return;

        var behind = await lag.GetAsync();
        if (behind > 0)
        {
            LogWaitingForConsumer(logger, settled.Count, behind);
            return;
        }
        // Another replica may have finished first.
        var stillMissing = await admission.MissingStateAsync(settled);
        foreach (var e in all.Where(e => stillMissing.Contains(e.Id)))
        {
            var winners = await catalog.WinnersAsync(e.Id, cancellationToken);
            await admission.RestoreAsync(e, winners);
            LogRestored(logger, e.Id, winners.Count, e.Quantity);
            _missingSince.Remove(e.Id);
        }
    }

    /// <summary>A server away for a while (EF wraps MySQL's errors): try again next time.</summary>
    private static bool IsPassing(Exception ex) =>
        ex is RedisException or MySqlException or KafkaException or TimeoutException || ex.InnerException is { } inner && IsPassing(inner);

    [LoggerMessage(1101, LogLevel.Warning, "Event state not checked yet (attempt {Attempt}): {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);

    [LoggerMessage(1102, LogLevel.Warning, "Redis lacks the state of {Count} event(s); waiting for the consumer to catch up ({Lag} messages) before rebuilding it")]
    private static partial void LogWaitingForConsumer(ILogger logger, int count, long lag);

    [LoggerMessage(1103, LogLevel.Information, "Event {EventId} state in Redis (re)built from MySQL: {Winners} of {Quantity} slots taken")]
    private static partial void LogRestored(ILogger logger, string eventId, int winners, int quantity);
}
