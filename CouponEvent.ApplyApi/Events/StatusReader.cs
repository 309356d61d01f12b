using System.Collections.Concurrent;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ApplyApi.Model;
using CouponEvent.Data;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// What pollers ask (an applicant's status, an event's summary), answered from what this instance and Redis know.
/// MySQL is read only where the answer lives there alone (a winner's coupon or failed event, a settled event, an event
/// this instance has not listed yet), and then at most once per <see cref="StatusOptions.CacheFor"/> per applicant or
/// event; an issued coupon is remembered for good. A winner admitted lately, while this instance hears the event's
/// announcements, is <c>accepted</c> until one names them (<see cref="StatusOptions.FreshFor"/>): a race's winners are
/// followed without MySQL until their coupons are written.
/// </summary>
/// <remarks>
/// An applicant whom Redis does not hold as a winner of a live event (a loser, or someone who never applied) is
/// <c>none</c>: from memory once the event is sold out (<see cref="RememberedAnswers"/>), else one Redis round trip.
/// A live event's summary is MySQL's row as the state keeper last listed it (every <see cref="RecoveryOptions.CheckInterval"/>)
/// with Redis's winner count.
/// An applicant's status change announced by the Consumer or RetryJob (<see cref="StatusChanges"/>) drops their cached
/// answer, reads the coupons of all the applicants it names in one query, and wakes their held polls; the instance
/// subscribes to a live event's announcements at its first status read.
/// </remarks>
public sealed class StatusReader(KnownEvents known, RememberedAnswers remembered, IConnectionMultiplexer redis,
    IServiceScopeFactory scopes, IOptions<StatusOptions> options, TimeProvider time, ILogger<StatusReader> logger) : IDisposable
{
    private static readonly TimeSpan IssuedFor = TimeSpan.FromMinutes(10);
    private readonly MemoryCache _read = new(new MemoryCacheOptions { SizeLimit = options.Value.CacheEntries });
    private readonly EventSubscriptions _subscriptions = new(redis, StatusChanges.Channel, time);
    // Instances' clocks differ: an admission this close to the subscription may have been announced before it.
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(1);
    // Guarded by itself: a poll joins and leaves under the lock, an announcement wakes all of an applicant's at once.
    private readonly Dictionary<(string EventId, string UserId), Waiters> _waiters = [];
    // Per live event, how many announcements arrived: a read that one overtook is read again (dropped when it settles).
    private readonly ConcurrentDictionary<string, long> _announced = new();

    private sealed class Waiters
    {
        public readonly TaskCompletionSource Changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count;
    }

    /// <summary>The applicant's status; null when there is no such event.</summary>
    public async Task<ApplicationStatus?> ApplicationAsync(string eventId, string userId, CancellationToken cancellationToken)
    {
        if (!known.Contains(eventId) && await ReadEventAsync(eventId, cancellationToken) is null) return null;
        if (_read.TryGetValue((eventId, userId), out ApplicationStatus? read)) return read;

        var live = known.SettledReason(eventId) is null;
        // Before the read: a change announced while it runs is not missed.
        if (live) await SubscribeAsync(eventId);
        var (winner, admittedAt) = live ? await WinnerAsync(eventId, userId) : (null, null);
        if (winner == false) return new(eventId, userId, ApplicationStatus.None, null);
        if (winner == true && IsFresh(eventId, userId, admittedAt)) return new(eventId, userId, ApplicationStatus.Accepted, null);

        // An announcement that lands while MySQL is read may be of a row the read missed: read again, once (the
        // announcement follows the commit, so the second read sees it), and keep nothing read across one.
        for (var attempt = 1; ; attempt++)
        {
            var announcedBefore = _announced.GetValueOrDefault(eventId);
            read = await ReadApplicationAsync(eventId, userId, winner, cancellationToken);
            var announced = _announced.GetValueOrDefault(eventId) != announcedBefore;
            if (announced && attempt == 1) continue;
            // Nothing in MySQL while Redis's winners are unverified (or the event brand new) is no answer to keep: the
            // applicant may be a winner whose state is being rebuilt; the next poll asks again.
            if (!announced && read.Status != ApplicationStatus.None)
                _read.Set((eventId, userId), read, Entry(read.Status == ApplicationStatus.Issued ? IssuedFor : options.Value.CacheFor));
            return read;
        }
    }

    /// <summary>The applicant's coupon or failed event in MySQL; <paramref name="winner"/>: what Redis said, null when it cannot tell.</summary>
    private async Task<ApplicationStatus> ReadApplicationAsync(string eventId, string userId, bool? winner, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var issuedAt = await db.Coupons.AsNoTracking().Where(c => c.EventId == eventId && c.UserId == userId)
            .Select(c => (DateTimeOffset?)c.IssuedAt).SingleOrDefaultAsync(cancellationToken);
        var failed = issuedAt is null
            ? await db.FailedEvents.AsNoTracking().Where(f => f.EventId == eventId && f.UserId == userId && f.Status != FailedEventStatus.Resolved)
                .Select(f => (FailedEventStatus?)f.Status).FirstOrDefaultAsync(cancellationToken)
            : null;
        var status = issuedAt is not null ? ApplicationStatus.Issued
            : failed == FailedEventStatus.Refused ? ApplicationStatus.Refused
            : failed is not null ? ApplicationStatus.Retrying
            // A winner whose row is on its way; while Redis's state is being rebuilt, not known to be one.
            : winner == true ? ApplicationStatus.Accepted
            : ApplicationStatus.None;
        return new(eventId, userId, status, issuedAt);
    }

    /// <summary>
    /// Waits until a change of the applicant's status is announced, or <paramref name="atMost"/> is over (an announcement
    /// may be lost: the caller looks again anyway).
    /// </summary>
    public async Task WaitForChangeAsync(string eventId, string userId, TimeSpan atMost, CancellationToken cancellationToken)
    {
        var key = (eventId, userId);
        Waiters waiters;
        lock (_waiters)
        {
            if (!_waiters.TryGetValue(key, out waiters!)) _waiters[key] = waiters = new();
            waiters.Count++;
        }
        try
        {
            await waiters.Changed.Task.WaitAsync(atMost, time, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            lock (_waiters)
            {
                if (_waiters.TryGetValue(key, out var current) && current == waiters && --waiters.Count == 0) _waiters.Remove(key);
            }
        }
    }

    /// <summary>The event's summary; null when there is no such event.</summary>
    public async Task<EventSummary?> EventAsync(string eventId, CancellationToken cancellationToken)
    {
        var e = known.Live(eventId) ?? await ReadEventAsync(eventId, cancellationToken);
        if (e is null) return null;
        // A settled event's winners are its coupons, and its keys have left Redis.
        var admitted = e.SettledAt is null ? await redis.GetDatabase().HashLengthAsync(EventKeys.Winners(eventId)) : e.Issued;
        return new EventSummary(e.Id, e.Name, e.Quantity, admitted, e.Issued, Math.Max(0, e.Quantity - admitted), admitted >= e.Quantity,
            e.OpensAt, e.ClosesAt, e.SettledAt, e.SettledReason);
    }

    /// <summary>
    /// Whether Redis holds the user as a winner, and since when; null when Redis may have lost some (its state missing
    /// or unverified at the state keeper's last check, every second, and until it is rebuilt): then MySQL tells.
    /// </summary>
    private async Task<(bool? Winner, DateTimeOffset? AdmittedAt)> WinnerAsync(string eventId, string userId)
    {
        if (known.IsUnverified(eventId)) return (null, null);
        if (remembered.AnswersSoldOut(eventId)) return (remembered.IsSoldOutWinner(eventId, userId, out var at), at);
        var db = redis.GetDatabase();
        // One round trip: both are sent before either is awaited.
        var applicationId = db.HashGetAsync(EventKeys.Winners(eventId), userId);
        var state = db.KeyExistsAsync(EventKeys.Meta(eventId));
        if (!await state) return (null, null);
        var id = await applicationId;
        return id.IsNull ? (false, null) : (true, ApplicationIds.AdmittedAt(id));
    }

    /// <summary>
    /// A winner admitted after this instance began to hear the event's announcements, less than FreshFor ago, whose
    /// status no announcement has named: still accepted, as any change of it would have been announced. (A lost
    /// announcement shows when FreshFor is over and MySQL is asked.)
    /// </summary>
    private bool IsFresh(string eventId, string userId, DateTimeOffset? admittedAt) =>
        admittedAt is { } admitted
        && _subscriptions.SubscribedSince(eventId) is { } since && admitted > since + ClockMargin
        && time.GetUtcNow() - admitted < options.Value.FreshFor
        && !_read.TryGetValue(new Announced(eventId, userId), out _);

    /// <summary>The cache key that says a change of the applicant's status was announced (for <see cref="IsFresh"/>).</summary>
    private sealed record Announced(string EventId, string UserId);

    /// <summary>An event this instance does not hold in memory (settled, or not listed yet), from MySQL; null when none.</summary>
    private async Task<Event?> ReadEventAsync(string eventId, CancellationToken cancellationToken)
    {
        if (_read.TryGetValue(eventId, out Event? read)) return read;
        await using var scope = scopes.CreateAsyncScope();
        read = await scope.ServiceProvider.GetRequiredService<EventCatalog>().FindAsync(eventId, cancellationToken);
        _read.Set(eventId, read, Entry(options.Value.CacheFor));
        return read;
    }

    /// <summary>Subscribes to the event's status announcements once; failing that, answers expire after CacheFor as before.</summary>
    private async Task SubscribeAsync(string eventId)
    {
        if (await _subscriptions.SubscribeAsync(eventId, message => Changed(eventId, StatusChanges.UserIds(message))) is { } failure)
            ApplyApiLog.StatusSubscribeFailed(logger, eventId, failure);
    }

    /// <summary>The event settled: no status of it changes any more.</summary>
    public async Task ForgetSettledAsync(string eventId)
    {
        await _subscriptions.UnsubscribeAsync(eventId);
        _announced.TryRemove(eventId, out _);
    }

    private void Changed(string eventId, string[] userIds)
    {
        // Not for an event settled meanwhile (an announcement in flight as it was forgotten): its counter stays dropped.
        if (known.SettledReason(eventId) is null) _announced.AddOrUpdate(eventId, 1, (_, count) => count + 1);
        foreach (var userId in userIds)
        {
            if (options.Value.FreshFor > TimeSpan.Zero) _read.Set(new Announced(eventId, userId), true, Entry(options.Value.FreshFor));
            _read.Remove((eventId, userId));
        }
        _ = LearnCouponsThenWakeAsync(eventId, userIds);
    }

    /// <summary>
    /// The announced applicants' coupons, read in one query for all of them (an announcement names a whole batch of
    /// the Consumer's), so that the polls it wakes, and those that follow, find them in memory; then the polls are woken.
    /// </summary>
    private async Task LearnCouponsThenWakeAsync(string eventId, string[] userIds)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
            var coupons = await db.Coupons.AsNoTracking().Where(c => c.EventId == eventId && userIds.Contains(c.UserId))
                .Select(c => new { c.UserId, c.IssuedAt }).ToListAsync();
            foreach (var coupon in coupons)
                _read.Set((eventId, coupon.UserId), new ApplicationStatus(eventId, coupon.UserId, ApplicationStatus.Issued, coupon.IssuedAt), Entry(IssuedFor));
        }
        catch (Exception ex) when (MySqlFailure.Is(ex))
        {
            // The woken polls read their own.
        }
        finally
        {
            foreach (var userId in userIds)
            {
                Waiters? waiters;
                lock (_waiters) _waiters.Remove((eventId, userId), out waiters);
                waiters?.Changed.TrySetResult();
            }
        }
    }

    private static MemoryCacheEntryOptions Entry(TimeSpan expiresAfter) => new() { Size = 1, AbsoluteExpirationRelativeToNow = expiresAfter };

    public void Dispose() => _read.Dispose();
}
