using CouponEvent.ApplyApi.Admission;
using CouponEvent.Data;
using CouponEvent.Data.Model;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace CouponEvent.ApplyApi.Events;

/// <summary>Events live in MySQL; what admission needs of them is copied to Redis.</summary>
public sealed class EventCatalog(CouponDbContext db, EventAdmission admission, TimeProvider time)
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
        await admission.PublishEventAsync(e);
        return e;
    }

    public Task<Event?> FindAsync(string id, CancellationToken cancellationToken) =>
        db.Events.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);

    /// <summary>Creates the default event if asked to, then copies every event to Redis.</summary>
    public async Task SyncAsync(EventsOptions options, CancellationToken cancellationToken)
    {
        if (options.CreateDefaultEvent)
        {
            // INSERT IGNORE: replicas starting together must not fail on each other's row.
            await db.Database.ExecuteSqlAsync($"""
                INSERT IGNORE INTO events (id, name, quantity, created_at)
                VALUES ({EventIds.Default}, {"Default coupon event"}, {options.DefaultQuantity}, {time.GetUtcNow().UtcDateTime})
                """, cancellationToken);
        }
        foreach (var e in await db.Events.AsNoTracking().ToListAsync(cancellationToken))
        {
            await admission.PublishEventAsync(e);
        }
    }
}
