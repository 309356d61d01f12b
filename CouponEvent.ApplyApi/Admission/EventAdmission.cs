using System.Diagnostics;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>Admission and release of one application, and the per-event state in Redis.</summary>
public sealed class EventAdmission(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    /// <returns>The outcome and, when admitted, the 1-based position.</returns>
    internal async Task<(AdmissionOutcome Outcome, long Position)> AdmitAsync(string eventId, long userId, Guid applicationId)
    {
        // No Redis instrumentation package is served here: the span is ours, named as OpenTelemetry's database conventions say.
        using var activity = ApplyApiTelemetry.Source.StartActivity("FCALL admit", ActivityKind.Client);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", "FCALL");
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Keys as RedisKey, so that the client routes the call by their slot as it does a script's.
            object[] call = [AdmissionScripts.AdmitFunction, 2, (RedisKey)EventKeys.Meta(eventId), (RedisKey)EventKeys.Winners(eventId),
                userId, applicationId.ToString("N")];
            RedisResult reply;
            try
            {
                reply = await Db.ExecuteAsync("FCALL", call);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("ERR Function not found", StringComparison.Ordinal))
            {
                // A Redis that started empty, or whose functions were flushed: load the library (idempotent) and call again.
                await Db.ExecuteAsync("FUNCTION", "LOAD", "REPLACE", AdmissionScripts.Library);
                reply = await Db.ExecuteAsync("FCALL", call);
            }
            var result = (long)reply;
            var outcome = result > 0 ? (AdmissionOutcome.Admitted, result) : ((AdmissionOutcome)result, 0);
            activity?.SetTag("coupon.admission.outcome", outcome.Item1.ToString());
            return outcome;
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            ApplyApiTelemetry.AdmissionDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Frees the slot that <paramref name="applicationId"/> took; idempotent.</summary>
    public Task<bool> ReleaseAsync(string eventId, long userId, Guid applicationId) =>
        Db.ReleaseAsync(eventId, userId, applicationId.ToString("N"));

    /// <summary>Marks an admission whose Kafka outcome is unknown, for reconciliation to settle.</summary>
    public async Task MarkPendingAsync(string eventId, long userId, Guid applicationId) =>
        await Db.HashSetAsync(EventKeys.Pending(eventId), userId, applicationId.ToString("N"));

    public async Task<bool> IsAdmittedAsync(string eventId, long userId) =>
        await Db.HashExistsAsync(EventKeys.Winners(eventId), userId);

    public async Task<long> AdmittedCountAsync(string eventId) =>
        await Db.HashLengthAsync(EventKeys.Winners(eventId));

    /// <summary>Where each event's state stands on the Redis process that holds it (<see cref="EventFence.StateScript"/>).</summary>
    public async Task<List<EventState>> StatesAsync(IEnumerable<string> eventIds) =>
        [.. await Task.WhenAll(eventIds.Select(id => Db.ReadStateAsync(id)))];

    /// <summary>Unverifies every event verified on this process: its replication id changed (<see cref="EventFence.RevokeScript"/>).</summary>
    public async Task RevokeAsync(IEnumerable<string> eventIds, string runId) =>
        await Task.WhenAll(eventIds.Select(id => Db.RevokeAsync(id, runId)));

    /// <summary>
    /// Reconciles an event's state with MySQL on the server named by <paramref name="fence"/>: MySQL's winners are added
    /// to Redis's (which keeps winners still on their way to MySQL), then the event is written with the fence, which
    /// reopens admissions. Every step checks that the server is still that one; if not, nothing is reopened.
    /// </summary>
    /// <returns>How many winners Redis lacked, or null when the server changed meanwhile or another instance is at it.</returns>
    public async Task<long?> RestoreAsync(Event e, IReadOnlyDictionary<long, Guid> winners, string fence, string cause, DateTimeOffset now)
    {
        var token = Guid.NewGuid().ToString("N");
        if (!await Db.StringSetAsync(EventKeys.Recovering(e.Id), token, RecoveryLockExpiry, When.NotExists)) return null;
        try
        {
            // Another instance may have finished this recovery since we looked: redoing it would merge nothing and
            // overwrite the count of what it put back with 0.
            if ((await StatesAsync([e.Id]))[0].Kind == EventStateKind.Verified) return null;
            foreach (var chunk in winners.Chunk(1000))
            {
                if (await Db.MergeWinnersAsync(e.Id, fence, chunk) is null) return null;
            }
            // The count of every attempt on this server: one that merged and then failed still counts.
            return await Db.WriteMetaAsync(e.Id, fence, e.Quantity, e.OpensAt, e.ClosesAt, (now, cause));
        }
        finally
        {
            await Db.ScriptEvaluateAsync(EventKeys.UnlockScript, [EventKeys.Recovering(e.Id)], [token]);
        }
    }

    /// <summary>Longer than a recovery takes; how long an instance that died recovering holds the others off.</summary>
    private static readonly TimeSpan RecoveryLockExpiry = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Writes what the script needs to know of a new event (MySQL stays the source of truth), fenced to the server
    /// it is written on: a new event has no winners to lose.
    /// </summary>
    /// <returns>False when Redis changed between the two steps; the state keeper then builds it.</returns>
    public async Task<bool> WriteNewEventAsync(Event e)
    {
        var state = await Db.ReadStateAsync(e.Id);
        return await Db.WriteMetaAsync(e.Id, state.RunId, e.Quantity, e.OpensAt, e.ClosesAt) is not null;
    }
}
