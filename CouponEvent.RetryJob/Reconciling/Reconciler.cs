using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.RetryJob.Reconciling;

/// <summary>
/// Compares one event's winners in Redis with its coupons and failed events in MySQL, and settles what is safe.
/// The rule: a winner holds its slot for good. A winner with neither a coupon nor a failed event, admitted longer ago
/// than the grace period, while the consumer group has nothing left to read, is a promise whose message never reached
/// MySQL: lost by Kafka (deleted before it was read), never sent (ApplyApi died between the script and the publish), or
/// of unknown outcome (a pending mark). Whoever was told what, the applicant was first: the coupon is issued from
/// Redis's own record (event, user, application id, admission time) through <see cref="CouponIssuer"/>, as the Consumer
/// would have, under the same quantity guard; a redelivery of the message later is a no-op. Reconciliation never frees a
/// slot (only ApplyApi does, for a publish the brokers refused: nobody was told 202). Everything that would risk
/// over-issue (coupons beyond the quantity, coupons of users Redis does not hold, applications refused by MySQL's
/// quantity guard) is reported, never changed. A Redis that restarted or failed over is reported as such
/// (<c>redis-unverified</c>) and left to ApplyApi's recovery; once recovered, each report says when, why, and how many
/// lost winners it put back.
/// </summary>
public sealed partial class Reconciler(CouponDbContext db, CouponWriter writer, IConnectionMultiplexer redis, KafkaConsumerLag lag, IOptions<ReconciliationOptions> options, TimeProvider time, ILogger<Reconciler> logger)
{
    // Asked at most once per round (a Reconciler lives for one round), and only when the counts differ.
    private long? _lag;

    /// <param name="thorough">Compare user by user even when the counts agree (a costly read of every winner and row).</param>
    public async Task<ReconciliationReport> ReconcileAsync(Event e, bool thorough, CancellationToken cancellationToken)
    {
        var redisDb = redis.GetDatabase();
        var now = time.GetUtcNow();
        var report = new ReconciliationReport { EventId = e.Id, CheckedAt = now, Quantity = e.Quantity, Status = ReconciliationReport.Ok };
        report.Refused = await db.FailedEvents.LongCountAsync(f => f.EventId == e.Id && f.Status == FailedEventStatus.Refused, cancellationToken);

        // ApplyApi rebuilds lost state and re-verifies state that a restart or failover may have rolled back; judging
        // winners now would release slots that MySQL still accounts for.
        var state = await redisDb.ReadStateAsync(e.Id);
        if (state.Kind == EventStateKind.Missing)
        {
            report.Status = ReconciliationReport.RedisStateMissing;
            return await SaveAsync(report, cancellationToken);
        }
        await ReadLastRecoveryAsync(redisDb, report);
        if (state.Kind == EventStateKind.Unverified)
        {
            report.Status = ReconciliationReport.RedisUnverified;
            LogUnverified(logger, e.Id, state.Fence, state.RunId);
            return await SaveAsync(report, cancellationToken);
        }

        if (!thorough && await CountsAgreeAsync(e, report, cancellationToken))
        {
            if (await SettlingReasonAsync(e, report, now, cancellationToken) is null) return await SaveAsync(report, cancellationToken);
            // Settling is for good: user by user first.
            thorough = true;
        }
        // Counts that differ while the consumer is still reading are an event in full flow: no winner can be judged
        // before it has caught up, and reading every winner and row of a large event every interval would take a
        // third of a core from the race (bench/README.md). The next round, or the thorough one, compares them.
        if (!thorough && await LagAsync() > 0)
        {
            report.OverIssued = Math.Max(0, report.Issued - e.Quantity);
            report.Status = ReconciliationReport.ConsumerLagging;
            return await SaveAsync(report, cancellationToken);
        }

        // Rows before winners for "issued without admission": a user with a row stays a winner (no winner is ever
        // removed here), so a row read first whose user the winners lack really has no admission. Read the other way
        // round, a winner admitted and written between the two reads would look like one.
        var issuedBefore = await IssuedUsersAsync(e.Id, cancellationToken);
        // A page at a time: HGETALL of a large event's winners would hold Redis, and every admission, while it runs.
        var winners = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var winner in redisDb.HashScanAsync(EventKeys.Winners(e.Id), pageSize: 1000))
            winners[winner.Name!] = (string)winner.Value!;
        var pending = (await redisDb.HashGetAllAsync(EventKeys.Pending(e.Id))).Select(h => (string)h.Name!).ToHashSet(StringComparer.Ordinal);
        // Rows after winners for the rest: a winner read above that has no row now never had one then.
        var issued = await IssuedUsersAsync(e.Id, cancellationToken);
        var failed = await db.FailedEvents.AsNoTracking().Where(f => f.EventId == e.Id)
            .Select(f => new { f.UserId, f.Status }).ToListAsync(cancellationToken);
        var inMySql = issued.Concat(failed.Select(f => f.UserId)).ToHashSet();

        report.Admitted = winners.Count;
        report.Issued = issued.Count;
        report.FailedOpen = failed.Count(f => f.Status != FailedEventStatus.Resolved);
        report.IssuedWithoutAdmission = issuedBefore.Count(u => !winners.ContainsKey(u));
        report.OverIssued = Math.Max(0, issued.Count - e.Quantity);

        var judged = Judge(e.Id, winners, inMySql, now, options.Value.Grace);
        report.Unissued = judged.Unissued;
        // A pending mark is settled once the application is in MySQL or no longer a winner.
        foreach (var user in pending.Where(u => inMySql.Contains(u) || !winners.ContainsKey(u)))
            await redisDb.HashDeleteAsync(EventKeys.Pending(e.Id), user);
        report.Pending = pending.Count(u => !inMySql.Contains(u) && winners.ContainsKey(u));

        if (judged.ToIssue.Count > 0)
        {
            // Their messages may still be on their way: only once the consumer has read everything is their absence final.
            if (await LagAsync() > 0) report.Status = ReconciliationReport.ConsumerLagging;
            else await IssueFromRedisAsync(redisDb, report, judged.ToIssue, pending, cancellationToken);
        }

        if (await SettlingReasonAsync(e, report, now, cancellationToken) is { } reason) await SettleAsync(e, report, reason, redisDb, cancellationToken);
        return await SaveAsync(report, cancellationToken);
    }

    /// <summary>
    /// Why the event can settle (<see cref="SettledReasons"/>), or null while it is live: it must be over (sold out, or
    /// its window closed) for <see cref="ReconciliationOptions.SettleAfter"/>, recovered no more recently, with every
    /// winner a row and nothing pending, open, refused or unexplained, and the consumer caught up.
    /// </summary>
    private async Task<string?> SettlingReasonAsync(Event e, ReconciliationReport r, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var after = options.Value.SettleAfter;
        if (r.Status != ReconciliationReport.Ok || r.Admitted != r.Issued || r.Pending > 0 || r.FailedOpen > 0 || r.Unissued > 0
            || r.Refused > 0 || r.IssuedWithoutAdmission > 0 || r.OverIssued > 0 || now - r.RecoveredAt < after) return null;
        string reason;
        if (e.ClosesAt is { } closes && now - closes >= after) reason = SettledReasons.Closed;
        else if (r.Issued >= e.Quantity) reason = SettledReasons.SoldOut;
        else return null;
        if (reason == SettledReasons.SoldOut
            && now - await db.Coupons.Where(c => c.EventId == e.Id).MaxAsync(c => c.IssuedAt, cancellationToken) < after) return null;
        return await LagAsync() > 0 ? null : reason;
    }

    /// <summary>
    /// Records the settling in MySQL, unless a failed event opened or a coupon arrived since the check (the database's
    /// triggers make it live again after), then deletes the event's state from Redis in one step. The time is the
    /// database's: settlings commit one after another (one reconciler at a time), so ApplyApi, reading the newly settled
    /// ones by that time, misses none.
    /// </summary>
    private async Task SettleAsync(Event e, ReconciliationReport r, string reason, IDatabase redisDb, CancellationToken cancellationToken)
    {
        var settled = await db.Database.ExecuteSqlAsync($"""
            UPDATE events SET settled_at = UTC_TIMESTAMP(6), settled_reason = {reason}
            WHERE id = {e.Id} AND settled_at IS NULL AND issued = {r.Issued}
              AND NOT EXISTS (SELECT 1 FROM failed_events f WHERE f.event_id = {e.Id} AND f.status <> {(int)FailedEventStatus.Resolved})
            """, cancellationToken);
        if (settled == 0) return;
        try
        {
            await redisDb.KeyDeleteAsync(EventKeys.State(e.Id));
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            // Live again, so that a later round deletes its keys; whatever the DEL did, ApplyApi rebuilds a live event it lacks.
            await db.Database.ExecuteSqlAsync($"UPDATE events SET settled_at = NULL, settled_reason = NULL WHERE id = {e.Id}", CancellationToken.None);
            throw;
        }
        r.Status = ReconciliationReport.Settled;
        LogSettled(logger, e.Id, reason, r.Issued, e.Quantity);
    }

    /// <summary>What reconciliation does with an event's winners: the rule, on its own.</summary>
    /// <param name="winners">userId → applicationId, from Redis.</param>
    /// <param name="inMySql">Users with a coupon or a failed event.</param>
    /// <returns>The winners to issue from Redis's record (nothing in MySQL, admitted more than <paramref name="grace"/>
    /// ago), and how many winners have nothing in MySQL in all (those within the grace are still on their way; a winner
    /// whose admission time cannot be read is only reported).</returns>
    internal static (List<CouponApplication> ToIssue, int Unissued) Judge(string eventId, IReadOnlyDictionary<string, string> winners,
        IReadOnlySet<string> inMySql, DateTimeOffset now, TimeSpan grace)
    {
        var toIssue = new List<CouponApplication>();
        var unissued = 0;
        foreach (var (user, applicationId) in winners)
        {
            if (inMySql.Contains(user)) continue;
            unissued++;
            if (AdmittedAt(applicationId) is { } at && now - at > grace)
                toIssue.Add(CouponApplication.Create(Guid.ParseExact(applicationId, "N"), eventId, user, at));
        }
        return (toIssue, unissued);
    }

    /// <summary>
    /// Issues promises whose messages never reached MySQL, in batches, as the Consumer does: coupons under the quantity
    /// guard, a refused failed event for any that does not fit (an alarm, as from the Consumer).
    /// </summary>
    private async Task IssueFromRedisAsync(IDatabase redisDb, ReconciliationReport report, List<CouponApplication> applications,
        HashSet<string> pending, CancellationToken cancellationToken)
    {
        foreach (var batch in applications.OrderBy(a => a.AdmittedAt).Chunk(500))
        {
            var (issued, refused) = await writer.IssueAsync(batch, _ => null, cancellationToken);
            report.IssuedFromRedis += issued;
            report.Issued += issued;
            report.Unissued -= batch.Length;
            report.Refused += refused.Count;
            var refusedIds = refused.Select(a => a.ApplicationId).ToHashSet();
            // Settled either way: a coupon, or a refused failed event for an operator.
            var settled = batch.Where(a => pending.Contains(a.UserId)).Select(a => (RedisValue)a.UserId).ToArray();
            if (settled.Length > 0) await redisDb.HashDeleteAsync(EventKeys.Pending(report.EventId), settled);
            report.Pending -= settled.Length;
            foreach (var application in batch.Where(a => !refusedIds.Contains(a.ApplicationId)))
            {
                LogIssuedFromRedis(logger, application.ApplicationId, application.UserId, application.EventId, application.AdmittedAt,
                    pending.Contains(application.UserId) ? "its publish's outcome was unknown" : "its message was lost by Kafka or never sent");
            }
        }
    }

    private async Task<long> LagAsync() => _lag ??= await lag.GetAsync();

    private async Task<List<string>> IssuedUsersAsync(string eventId, CancellationToken cancellationToken) =>
        await db.Coupons.AsNoTracking().Where(c => c.EventId == eventId).Select(c => c.UserId).ToListAsync(cancellationToken);

    /// <summary>What ApplyApi's last recovery of the event did, from the event's meta hash.</summary>
    private static async Task ReadLastRecoveryAsync(IDatabase redisDb, ReconciliationReport report)
    {
        var last = await redisDb.HashGetAsync(EventKeys.Meta(report.EventId),
            [EventKeys.Fields.RecoveredAt, EventKeys.Fields.RecoveryCause, EventKeys.Fields.RecoveryRestored]);
        if (last[0].IsNull) return;
        report.RecoveredAt = DateTimeOffset.FromUnixTimeMilliseconds((long)last[0]);
        report.RecoveryCause = last[1];
        report.RecoveryRestored = (long?)last[2];
    }

    /// <summary>
    /// The cheap check: every winner accounted for by a coupon or an open failed event, nothing pending, not
    /// over the quantity. Equal counts could still hide a pair of opposite anomalies; the thorough rounds find those.
    /// </summary>
    private async Task<bool> CountsAgreeAsync(Event e, ReconciliationReport report, CancellationToken cancellationToken)
    {
        var redisDb = redis.GetDatabase();
        report.Admitted = await redisDb.HashLengthAsync(EventKeys.Winners(e.Id));
        var pending = await redisDb.HashLengthAsync(EventKeys.Pending(e.Id));
        report.Issued = await db.Coupons.LongCountAsync(c => c.EventId == e.Id, cancellationToken);
        report.FailedOpen = await db.FailedEvents.LongCountAsync(f => f.EventId == e.Id && f.Status != FailedEventStatus.Resolved, cancellationToken);
        return pending == 0 && report.Issued <= e.Quantity && report.Admitted == report.Issued + report.FailedOpen;
    }

    /// <summary>Application ids are version 7 GUIDs: their first 48 bits are the admission time in unix milliseconds.</summary>
    internal static DateTimeOffset? AdmittedAt(string applicationId)
    {
        if (!Guid.TryParseExact(applicationId, "N", out var id) || id.Version != 7) return null;
        var hex = id.ToString("N")[..12];
        return DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(hex, 16));
    }

    private async Task<ReconciliationReport> SaveAsync(ReconciliationReport r, CancellationToken cancellationToken)
    {
        if (r.OverIssued > 0 || r.IssuedWithoutAdmission > 0 || r.Refused > 0)
        {
            r.Status = ReconciliationReport.Attention;
            LogAttention(logger, r.EventId, r.Issued, r.Quantity, r.IssuedWithoutAdmission, r.Refused);
        }
        // An upsert, atomic where a find-then-insert would race another reconciler (EF Core has none): one report per
        // event, the latest, with what was issued from Redis added up over the event's rounds.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO reconciliation_reports
                (event_id, checked_at, quantity, admitted, issued, failed_open, unissued, pending, issued_from_redis, issued_without_admission,
                 over_issued, refused, recovered_at, recovery_cause, recovery_restored, status)
            VALUES ({r.EventId}, {r.CheckedAt.UtcDateTime}, {r.Quantity}, {r.Admitted}, {r.Issued}, {r.FailedOpen}, {r.Unissued}, {r.Pending},
                    {r.IssuedFromRedis}, {r.IssuedWithoutAdmission}, {r.OverIssued}, {r.Refused}, {r.RecoveredAt?.UtcDateTime}, {r.RecoveryCause},
                    {r.RecoveryRestored}, {r.Status})
            ON DUPLICATE KEY UPDATE checked_at = VALUES(checked_at), quantity = VALUES(quantity), admitted = VALUES(admitted),
                issued = VALUES(issued), failed_open = VALUES(failed_open), unissued = VALUES(unissued), pending = VALUES(pending),
                issued_from_redis = issued_from_redis + VALUES(issued_from_redis), issued_without_admission = VALUES(issued_without_admission),
                over_issued = VALUES(over_issued), refused = VALUES(refused), recovered_at = VALUES(recovered_at),
                recovery_cause = VALUES(recovery_cause), recovery_restored = VALUES(recovery_restored), status = VALUES(status)
            """, cancellationToken);
        RetryJobTelemetry.ReconciliationFindings(r);
        return r;
    }

    [LoggerMessage(3101, LogLevel.Warning, "Issued application {ApplicationId} (user {UserId}, event {EventId}, admitted at {AdmittedAt}) from Redis's record: nothing of it reached MySQL ({Why})")]
    private static partial void LogIssuedFromRedis(ILogger logger, Guid applicationId, string userId, string eventId, DateTimeOffset admittedAt, string why);

    [LoggerMessage(3102, LogLevel.Critical, "Event {EventId} needs attention: {Issued} coupons for {Quantity}, {WithoutAdmission} issued without admission, {Refused} refused over the quantity")]
    private static partial void LogAttention(ILogger logger, string eventId, long issued, int quantity, long withoutAdmission, long refused);

    [LoggerMessage(3104, LogLevel.Information, "Event {EventId} settled ({Reason}): {Issued} coupons of {Quantity}; its state left Redis")]
    private static partial void LogSettled(ILogger logger, string eventId, string reason, long issued, int quantity);

    [LoggerMessage(3103, LogLevel.Warning, "Event {EventId}: Redis restarted or failed over (state verified on process '{Fence}', now '{RunId}'); unverified until ApplyApi reconciles it with MySQL, nothing judged meanwhile")]
    private static partial void LogUnverified(ILogger logger, string eventId, string fence, string runId);
}
