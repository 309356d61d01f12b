using Confluent.Kafka;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.Data;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// Keeps Redis's per-event state in step with MySQL. Before requests are served it creates the default event;
/// then, every <see cref="RecoveryOptions.CheckInterval"/>, it refreshes the known events and recovers any event whose
/// state Redis lost (a restart without its data, a new Redis) or may have lost part of (a restart from an AOF or
/// snapshot that missed the last writes, a failover to a lagging replica: see <see cref="EventFence"/>). Once
/// publishes in flight have settled and the consumer has caught up, MySQL's winners (issued coupons and failed events)
/// are merged into Redis's, and only then is the event written with the new fence, which reopens admissions.
/// Meanwhile applications to that event get 503, never a decision on partial or stale state.
/// </summary>
internal sealed partial class EventStateKeeper(
    IServiceScopeFactory scopes,
    EventRecovery recovery,
    KnownEvents known,
    RememberedAnswers remembered,
    StatusReader statuses,
    KafkaConsumerLag lag,
    IOptions<EventsOptions> events,
    IOptions<RecoveryOptions> recoveryOptions,
    TimeProvider time,
    ILogger<EventStateKeeper> logger) : BackgroundService
{
    /// <summary>When each event was first seen unverified, and why.</summary>
    private readonly Dictionary<string, (DateTimeOffset Since, string Cause)> _unverified = [];
    /// <summary>The replication id last seen of each Redis process (by run id).</summary>
    private readonly Dictionary<string, string> _replicationIds = [];
    /// <summary>The latest settling seen.</summary>
    private DateTimeOffset _settledSince = DateTimeOffset.UnixEpoch;
    private static readonly TimeSpan SettledOverlap = TimeSpan.FromSeconds(10);

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
        using var timer = new PeriodicTimer(recoveryOptions.Value.CheckInterval, time);
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
        // The live events only: a settled event's keys have left Redis on purpose, and costs nothing here.
        var all = await catalog.ListLiveAsync(cancellationToken);
        var newlySettled = await NewlySettledAsync(catalog, cancellationToken);
        known.Refresh(all, newlySettled);
        // What this instance keeps per event goes with the event's keys: its answers and its subscriptions.
        foreach (var (id, _) in newlySettled)
        {
            await remembered.ForgetSettledAsync(id);
            await statuses.ForgetSettledAsync(id);
        }

        var states = await recovery.StatesAsync(all.Select(e => e.Id));
        if (await RevokedAfterRoleChangeAsync(states)) states = await recovery.StatesAsync(all.Select(e => e.Id));

        var now = time.GetUtcNow();
        var unverified = states.Where(s => s.Kind != EventStateKind.Verified).ToDictionary(s => s.EventId);
        foreach (var id in _unverified.Keys.Except(unverified.Keys).ToList()) _unverified.Remove(id);
        known.SetUnverified(unverified.Keys);
        foreach (var state in unverified.Values.Where(s => !_unverified.ContainsKey(s.EventId)))
        {
            var cause = Cause(state);
            _unverified[state.EventId] = (now, cause);
            if (state.Kind == EventStateKind.Unverified) LogUnverified(logger, state.EventId, cause, state.Fence, state.RunId);
        }
        // Publishes decided on the old state may still be on their way to Kafka: wait them out.
        var settled = _unverified.Where(u => now - u.Value.Since >= recoveryOptions.Value.SettleTime).Select(u => u.Key).ToList();
        if (settled.Count == 0) return;

        var behind = await lag.GetAsync();
        if (behind > 0)
        {
            LogWaitingForConsumer(logger, settled.Count, behind);
            return;
        }
        // Another replica may have finished first; the fence to write is that of the server as it is now.
        var byId = all.ToDictionary(e => e.Id);
        foreach (var state in await recovery.StatesAsync(settled))
        {
            if (state.Kind == EventStateKind.Verified || byId.GetValueOrDefault(state.EventId) is not { } e) continue;
            var cause = _unverified[e.Id].Cause;
            // Settled since the list was read: its keys left Redis on purpose.
            if (!await catalog.IsLiveAsync(e.Id, cancellationToken)) continue;
            var winners = await catalog.WinnersAsync(e.Id, cancellationToken);
            if (await recovery.RestoreAsync(e, winners, state.RunId, cause, now) is not { } restored) continue;
            LogRestored(logger, e.Id, cause, restored, winners.Count, e.Quantity);
            _unverified.Remove(e.Id);
        }
    }

    /// <summary>
    /// The events settled since the last look (all of them at start), read by the index on <c>settled_at</c>: the
    /// work does not grow with the settled events. The look goes back a little, for a settling that committed late
    /// (settled_at is the database's clock, written one settling at a time).
    /// </summary>
    private async Task<List<(string Id, string Reason)>> NewlySettledAsync(EventCatalog catalog, CancellationToken cancellationToken)
    {
        var settled = await catalog.SettledSinceAsync(_settledSince - SettledOverlap, cancellationToken);
        if (settled.Count > 0) _settledSince = settled[^1].At;
        return [.. settled.Select(s => (s.Id, s.Reason))];
    }

    private static string Cause(EventState state) =>
        state.Kind == EventStateKind.Missing ? RecoveryCauses.StateMissing
        : state.Fence == EventFence.Revoked ? RecoveryCauses.RoleChanged
        : RecoveryCauses.ServerChanged;

    /// <summary>
    /// The same Redis process with a new replication id, after a promotion (its previous one kept as replid2), was a
    /// replica meanwhile: it may hold another master's older data under our fence, so the fences that name it are
    /// revoked. (A new process needs nothing: its run id differs. A master that frees its backlog also takes a new
    /// replication id, but without a replid2: nothing to do then.)
    /// </summary>
    private async Task<bool> RevokedAfterRoleChangeAsync(List<EventState> states)
    {
        var revoked = false;
        foreach (var server in states.GroupBy(s => s.RunId))
        {
            var now = server.First();
            if (_replicationIds.TryGetValue(server.Key, out var before) && before != now.ReplicationId && now.Promoted)
            {
                LogRoleChanged(logger, server.Key, before, now.ReplicationId);
                await recovery.RevokeAsync(server.Select(s => s.EventId), server.Key);
                revoked = true;
            }
            _replicationIds[server.Key] = now.ReplicationId;
        }
        return revoked;
    }

    /// <summary>A server away for a while (EF wraps MySQL's errors): try again next time.</summary>
    private static bool IsPassing(Exception ex) =>
        RedisClientDefaults.IsUnavailable(ex) || ex is KafkaException || MySqlFailure.Is(ex) || ex.InnerException is { } inner && IsPassing(inner);

    [LoggerMessage(1101, LogLevel.Warning, "Event state not checked yet (attempt {Attempt}): {Reason}")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason);

    [LoggerMessage(1102, LogLevel.Warning, "Redis's state of {Count} event(s) is missing or unverified; waiting for the consumer to catch up ({Lag} messages) before recovering it")]
    private static partial void LogWaitingForConsumer(ILogger logger, int count, long lag);

    [LoggerMessage(1103, LogLevel.Warning, "Event {EventId} recovered ({Cause}): {Restored} winner(s) that Redis had lost put back from MySQL; {Winners} in MySQL of {Quantity} slots")]
    private static partial void LogRestored(ILogger logger, string eventId, string cause, long restored, int winners, int quantity);

    [LoggerMessage(1104, LogLevel.Warning, "Event {EventId}: Redis may have lost writes ({Cause}: verified on process '{Fence}', now '{RunId}'); admissions paused until it is reconciled with MySQL")]
    private static partial void LogUnverified(ILogger logger, string eventId, string cause, string fence, string runId);

    [LoggerMessage(1105, LogLevel.Warning, "Redis process {RunId} changed replication id ({Before} to {After}): it was a replica meanwhile; every event it verified is unverified again")]
    private static partial void LogRoleChanged(ILogger logger, string runId, string before, string after);
}
