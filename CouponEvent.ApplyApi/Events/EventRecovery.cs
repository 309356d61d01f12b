using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// Off the hot path: writes a new event's state to Redis, reads where each event's state stands, and rebuilds or
/// re-verifies it from MySQL (<see cref="EventStateKeeper"/> decides when).
/// </summary>
public sealed class EventRecovery(IConnectionMultiplexer redis)
{
    /// <summary>Longer than a recovery takes; how long an instance that died recovering holds the others off.</summary>
    private static readonly TimeSpan LockExpiry = TimeSpan.FromSeconds(15);

    private IDatabase Db => redis.GetDatabase();

    /// <summary>Where each event's state stands on the Redis process that holds it.</summary>
    public async Task<List<EventState>> StatesAsync(IEnumerable<string> eventIds) =>
        [.. await Task.WhenAll(eventIds.Select(id => Db.ReadStateAsync(id)))];

    /// <summary>Unverifies every event verified on this process: its replication id changed.</summary>
    public async Task RevokeAsync(IEnumerable<string> eventIds, string runId) =>
        await Task.WhenAll(eventIds.Select(id => Db.RevokeAsync(id, runId)));

    /// <summary>
    /// Reconciles an event's state with MySQL on the server named by <paramref name="fence"/>: MySQL's winners are added
    /// to Redis's (which keeps winners still on their way to MySQL), then the event is written with the fence, which
    /// reopens admissions. Every step checks that the server is still that one; if not, nothing is reopened.
    /// </summary>
    /// <returns>How many winners Redis lacked, or null when the server changed meanwhile or another instance is at it.</returns>
    public async Task<long?> RestoreAsync(Event e, IReadOnlyDictionary<string, Guid> winners, string fence, string cause, DateTimeOffset now)
    {
        if (await Db.LockRecoveryAsync(e.Id, LockExpiry) is not { } token) return null;
        try
        {
            // Another instance may have finished this recovery since we looked: redoing it would merge nothing and
            // overwrite the count of what it put back with 0.
            if ((await Db.ReadStateAsync(e.Id)).Kind == EventStateKind.Verified) return null;
            foreach (var chunk in winners.Chunk(1000))
            {
                if (await Db.MergeWinnersAsync(e.Id, fence, chunk) is null) return null;
            }
            // The count of every attempt on this server: one that merged and then failed still counts.
            return await Db.WriteMetaAsync(e.Id, fence, e.Quantity, e.OpensAt, e.ClosesAt, (now, cause));
        }
        finally
        {
            await Db.UnlockRecoveryAsync(e.Id, token);
        }
    }

    /// <summary>
    /// Writes what the admission needs to know of a new event (MySQL stays the source of truth), fenced to the server
    /// it is written on: a new event has no winners to lose.
    /// </summary>
    /// <returns>False when Redis changed between the two steps; the state keeper then builds it.</returns>
    public async Task<bool> WriteNewEventAsync(Event e)
    {
        var state = await Db.ReadStateAsync(e.Id);
        return await Db.WriteMetaAsync(e.Id, state.RunId, e.Quantity, e.OpensAt, e.ClosesAt) is not null;
    }
}
