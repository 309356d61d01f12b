using CouponEvent.Data;
using CouponEvent.Data.Model;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace CouponEvent.ApplyApi.Events;

/// <summary>Events live in MySQL; what admission needs of them is copied to Redis.</summary>
public sealed class EventCatalog(CouponDbContext db, EventRecovery recovery, KnownEvents known, TimeProvider time)
{
    /// <returns>The new event, or null when the id is taken.</returns>
    public async Task<Event?> CreateAsync(string id, string name, int quantity, DateTimeOffset? opensAt, DateTimeOffset? closesAt,
        CancellationToken cancellationToken)
    {
        if (await db.Events.AnyAsync(x => x.Id == id, cancellationToken)) return null;
        var e = new Event { Id = id, Name = name, Quantity = quantity, OpensAt = opensAt, ClosesAt = closesAt, CreatedAt = time.GetUtcNow() };
        db.Events.Add(e);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry })
        {
            // Created by a concurrent request between the check and the insert.
            return null;
        }
        // If Redis changed in between, the event is not written: the state keeper builds it like a lost one.
        await recovery.WriteNewEventAsync(e);
        known.Add(e);
        return e;
    }

    public Task<Event?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.Events.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);

    /// <summary>Creates the course's event when configured to and it does not exist; a new one is admissible at once.</summary>
    public async Task EnsureDefaultAsync(EventsOptions options, CancellationToken cancellationToken)
    {
        if (!options.CreateDefaultEvent) return;
        // INSERT IGNORE: replicas starting together must not fail on each other's row; the one that inserts publishes.
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT IGNORE INTO events (id, name, quantity, created_at)
            VALUES ({EventIds.Default}, {"Default coupon event"}, {options.DefaultQuantity}, {time.GetUtcNow().UtcDateTime})
            """, cancellationToken);
        if (inserted == 1 && await FindAsync(EventIds.Default, cancellationToken) is { } created)
        {
            await recovery.WriteNewEventAsync(created);
            known.Add(created);
        }
    }

    /// <summary>The events not settled: what the background work looks after.</summary>
    public Task<List<Event>> ListLiveAsync(CancellationToken cancellationToken) =>
        db.Events.AsNoTracking().Where(e => e.SettledAt == null).ToListAsync(cancellationToken);

    public Task<bool> IsLiveAsync(string eventId, CancellationToken cancellationToken) =>
        db.Events.AnyAsync(e => e.Id == eventId && e.SettledAt == null, cancellationToken);

    /// <summary>The events settled at or after <paramref name="since"/>, oldest first.</summary>
    public async Task<List<(string Id, string Reason, DateTimeOffset At)>> SettledSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        (await db.Events.AsNoTracking().Where(e => e.SettledAt >= since).OrderBy(e => e.SettledAt)
            .Select(e => new { e.Id, e.SettledReason, e.SettledAt }).ToListAsync(cancellationToken))
        .Select(e => (e.Id, e.SettledReason!, e.SettledAt!.Value)).ToList();

    /// <summary>Whether the user holds a coupon of the event: asked only of a settled event, whose winners left Redis.</summary>
    public Task<bool> HoldsCouponAsync(string eventId, string userId, CancellationToken cancellationToken) =>
        db.Coupons.AnyAsync(c => c.EventId == eventId && c.UserId == userId, cancellationToken);

    /// <summary>
    /// Everyone MySQL knows to hold a slot of the event: an issued coupon or a failed event (still to be issued,
    /// or parked for an operator). With the consumer caught up, that is every admitted application.
    /// </summary>
    public async Task<Dictionary<string, Guid>> WinnersAsync(string eventId, CancellationToken cancellationToken)
    {
        var winners = await db.Coupons.AsNoTracking().Where(c => c.EventId == eventId)
            .ToDictionaryAsync(c => c.UserId, c => c.ApplicationId, cancellationToken);
        foreach (var failed in await db.FailedEvents.AsNoTracking().Where(f => f.EventId == eventId)
                     .Select(f => new { f.UserId, f.ApplicationId }).ToListAsync(cancellationToken))
        {
            winners.TryAdd(failed.UserId, failed.ApplicationId);
        }
        return winners;
    }
}
