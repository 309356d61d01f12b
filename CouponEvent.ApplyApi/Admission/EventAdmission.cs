using System.Diagnostics;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
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
        using var activity = ApplyApiTelemetry.Source.StartActivity("EVALSHA admit", ActivityKind.Client);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", "EVALSHA");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = (long)await Db.ScriptEvaluateAsync(AdmissionScripts.Admit,
                [EventKeys.Meta(eventId), EventKeys.Winners(eventId)],
                [userId, applicationId.ToString("N")]);
            var outcome = result > 0 ? (AdmissionOutcome.Admitted, result) : ((AdmissionOutcome)result, 0);
            activity?.SetTag("coupon.admission.outcome", outcome.Item1.ToString());
            return outcome;
        }
        catch (RedisException ex)
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
    public async Task<bool> ReleaseAsync(string eventId, long userId, Guid applicationId) =>
        (long)await Db.ScriptEvaluateAsync(EventKeys.ReleaseScript,
            [EventKeys.Winners(eventId), EventKeys.Pending(eventId)],
            [userId, applicationId.ToString("N"), eventId]) == 1;

    /// <summary>Marks an admission whose Kafka outcome is unknown, for reconciliation to settle.</summary>
    public async Task MarkPendingAsync(string eventId, long userId, Guid applicationId) =>
        await Db.HashSetAsync(EventKeys.Pending(eventId), userId, applicationId.ToString("N"));

    public async Task<bool> IsAdmittedAsync(string eventId, long userId) =>
        await Db.HashExistsAsync(EventKeys.Winners(eventId), userId);

    public async Task<long> AdmittedCountAsync(string eventId) =>
        await Db.HashLengthAsync(EventKeys.Winners(eventId));

    /// <summary>The events whose state Redis does not hold (a new event, or a Redis that restarted empty).</summary>
    public async Task<List<string>> MissingStateAsync(IEnumerable<string> eventIds)
    {
        var checks = eventIds.Select(id => (Id: id, Exists: Db.KeyExistsAsync(EventKeys.Meta(id)))).ToList();
        await Task.WhenAll(checks.Select(c => c.Exists));
        return checks.Where(c => !c.Exists.Result).Select(c => c.Id).ToList();
    }

    /// <summary>
    /// Rebuilds an event's state: the winners first, the event last. Until the event is there the script
    /// admits nobody, so no application can be judged against a half-restored winner list.
    /// </summary>
    public async Task RestoreAsync(Event e, IReadOnlyDictionary<long, Guid> winners)
    {
        foreach (var chunk in winners.Chunk(1000))
        {
            await Db.HashSetAsync(EventKeys.Winners(e.Id),
                chunk.Select(w => new HashEntry(w.Key, w.Value.ToString("N"))).ToArray());
        }
        await PublishEventAsync(e);
    }

    /// <summary>Writes what the script needs to know of an event (MySQL stays the source of truth).</summary>
    public async Task PublishEventAsync(Event e)
    {
        var key = EventKeys.Meta(e.Id);
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(key);
        _ = transaction.HashSetAsync(key,
        [
            new("quantity", e.Quantity),
            .. e.OpensAt is { } opens ? [new HashEntry("opens", opens.ToUnixTimeMilliseconds())] : Array.Empty<HashEntry>(),
            .. e.ClosesAt is { } closes ? [new HashEntry("closes", closes.ToUnixTimeMilliseconds())] : Array.Empty<HashEntry>(),
        ]);
        _ = transaction.PublishAsync(RedisChannel.Literal(EventKeys.Changes), e.Id);
        await transaction.ExecuteAsync();
    }
}
