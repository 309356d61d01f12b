using CouponEvent.Data.Model;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>Admission and release of one application, and the per-event state in Redis.</summary>
public sealed class EventAdmission(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    /// <returns>The outcome and, when admitted, the 1-based position.</returns>
    internal async Task<(AdmissionOutcome Outcome, long Position)> AdmitAsync(string eventId, long userId, Guid applicationId)
    {
        var result = (long)await Db.ScriptEvaluateAsync(AdmissionScripts.Admit,
            [AdmissionScripts.MetaKey(eventId), AdmissionScripts.WinnersKey(eventId)],
            [userId, applicationId.ToString("N")]);
        return result > 0 ? (AdmissionOutcome.Admitted, result) : ((AdmissionOutcome)result, 0);
    }

    /// <summary>Frees the slot that <paramref name="applicationId"/> took; idempotent.</summary>
    public async Task<bool> ReleaseAsync(string eventId, long userId, Guid applicationId) =>
        (long)await Db.ScriptEvaluateAsync(AdmissionScripts.Release,
            [AdmissionScripts.WinnersKey(eventId)],
            [userId, applicationId.ToString("N")]) == 1;

    public async Task<bool> IsAdmittedAsync(string eventId, long userId) =>
        await Db.HashExistsAsync(AdmissionScripts.WinnersKey(eventId), userId);

    public async Task<long> AdmittedCountAsync(string eventId) =>
        await Db.HashLengthAsync(AdmissionScripts.WinnersKey(eventId));

    /// <summary>Writes what the script needs to know of an event (MySQL stays the source of truth).</summary>
    public async Task PublishEventAsync(Event e)
    {
        var key = AdmissionScripts.MetaKey(e.Id);
        var transaction = Db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(key);
        _ = transaction.HashSetAsync(key,
        [
            new("quantity", e.Quantity),
            .. e.OpensAt is { } opens ? [new HashEntry("opens", opens.ToUnixTimeMilliseconds())] : Array.Empty<HashEntry>(),
            .. e.ClosesAt is { } closes ? [new HashEntry("closes", closes.ToUnixTimeMilliseconds())] : Array.Empty<HashEntry>(),
        ]);
        await transaction.ExecuteAsync();
    }
}
