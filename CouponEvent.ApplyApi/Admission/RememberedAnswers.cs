using System.Collections.Concurrent;
using CouponEvent.ApplyApi.Events;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// The answers this instance can give without a Redis round trip: 409 to a user it has seen admitted, and, once an
/// event is sold out, 410 to everyone else. The burst of repeats and of latecomers is answered from memory.
/// </summary>
/// <remarks>
/// <para>
/// A winner is remembered when this instance admitted them (202) or Redis answered them "already applied". A sold-out
/// event is learnt when the script answers "sold out", from one read of its winners.
/// </para>
/// <para>
/// Only a change announced on the event's <see cref="EventKeys.Changes"/> channel (a released slot, a rewritten or
/// recovered event) can make a winner a non-winner or reopen an event: the event's memory is dropped on the
/// announcement. The instance subscribes to an event's channel before it learns anything of the event. An announcement
/// lost with a connection is covered every <see cref="SoldOutOptions.CheckInterval"/>: a sold-out event whose winner
/// count moved is dropped, and the winners remembered before the sell-out are forgotten and learnt again (each costs
/// at most one Redis answer per interval). Within <see cref="ClockMargin"/> of an event's closing time Redis answers
/// again, since the window is judged on Redis's clock.
/// </para>
/// </remarks>
public sealed class RememberedAnswers(IConnectionMultiplexer redis, IOptions<SoldOutOptions> options, TimeProvider time,
    ILogger<RememberedAnswers> logger) : BackgroundService
{
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, SoldOut> _soldOut = new();
    private readonly ConcurrentDictionary<string, Winners> _winners = new();
    private readonly ConcurrentDictionary<string, byte> _learning = new();
    private readonly EventSubscriptions _subscriptions = new(redis, eventId => RedisChannel.Sharded(EventKeys.Changes(eventId)));
    private long _changes;

    /// <param name="Winners">Each winner's admission (<see cref="ApplicationIds.AdmittedAt"/>), null when its id does not tell.</param>
    private sealed record SoldOut(Dictionary<string, DateTimeOffset?> Winners, DateTimeOffset? ClosesAt);

    /// <summary>Winners seen before the sell-out; <see cref="Current"/> starts afresh every check interval.</summary>
    private sealed class Winners(DateTimeOffset? closesAt)
    {
        public DateTimeOffset? ClosesAt { get; } = closesAt;
        public volatile UserSet Current = new();
    }

    /// <summary>A set with its own count: <see cref="ConcurrentDictionary{TKey,TValue}.Count"/> takes every lock of the set.</summary>
    private sealed class UserSet
    {
        public readonly ConcurrentDictionary<string, byte> Users = new();
        public int Count;
    }

    /// <summary>The answer this instance already knows; null when Redis must decide.</summary>
    internal ApplyOutcome? Answer(string eventId, string userId)
    {
        if (_soldOut.TryGetValue(eventId, out var soldOut))
        {
            if (NearClosing(soldOut.ClosesAt)) return null;
            return soldOut.Winners.ContainsKey(userId) ? ApplyOutcome.AlreadyApplied : ApplyOutcome.SoldOut;
        }
        return _winners.TryGetValue(eventId, out var winners) && !NearClosing(winners.ClosesAt) && winners.Current.Users.ContainsKey(userId)
            ? ApplyOutcome.AlreadyApplied
            : null;
    }

    private bool NearClosing(DateTimeOffset? closesAt) => closesAt is { } closes && time.GetUtcNow() >= closes - ClockMargin;

    /// <summary>Counts the announced changes: taken before asking Redis, it tells whether one came in since.</summary>
    internal long Changes => Interlocked.Read(ref _changes);

    /// <summary>
    /// Redis said this user holds a slot (admitted now, or before). <paramref name="changesBefore"/>: <see cref="Changes"/>
    /// before Redis was asked; a change announced since may have released the slot already.
    /// </summary>
    internal void RememberWinner(string eventId, string userId, long changesBefore)
    {
        if (Changes != changesBefore) return;
        if (_winners.TryGetValue(eventId, out var winners))
        {
            var set = winners.Current;
            if (Volatile.Read(ref set.Count) < options.Value.MaxCachedWinners && set.Users.TryAdd(userId, 0)) Interlocked.Increment(ref set.Count);
        }
        else
        {
            Learn(eventId, LearnClosingAsync);
        }
    }

    /// <summary>Redis answered "sold out": learn the event's winners in the background, once.</summary>
    internal void LearnSoldOut(string eventId)
    {
        if (!_soldOut.ContainsKey(eventId)) Learn(eventId, LearnSoldOutAsync);
    }

    internal bool IsSoldOut(string eventId) => _soldOut.ContainsKey(eventId);

    /// <summary>Whether "sold out" is this event's answer to everyone but its winners, from memory (not near its closing).</summary>
    internal bool AnswersSoldOut(string eventId) => _soldOut.TryGetValue(eventId, out var soldOut) && !NearClosing(soldOut.ClosesAt);

    internal bool IsSoldOutWinner(string eventId, string userId) => _soldOut.TryGetValue(eventId, out var soldOut) && soldOut.Winners.ContainsKey(userId);

    /// <summary>Whether the user is a winner of the sold-out event, and when they were admitted (null when not known).</summary>
    internal bool IsSoldOutWinner(string eventId, string userId, out DateTimeOffset? admittedAt)
    {
        admittedAt = null;
        return _soldOut.TryGetValue(eventId, out var soldOut) && soldOut.Winners.TryGetValue(userId, out admittedAt);
    }

    internal bool RemembersWinnersOf(string eventId) => _winners.ContainsKey(eventId);

    private void Learn(string eventId, Func<string, Task> learn)
    {
        if (!_learning.TryAdd(eventId, 0)) return;
        _ = Task.Run(async () =>
        {
            try
            {
                if (await TrySubscribeAsync(eventId)) await learn(eventId);
            }
            catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
            {
                ApplyApiLog.RememberFailed(logger, eventId, ex.Message);
            }
            finally
            {
                _learning.TryRemove(eventId, out _);
            }
        });
    }

    /// <summary>The event's quantity and closing time as Redis holds them; null when Redis has no state for it.</summary>
    private async Task<(long Quantity, DateTimeOffset? ClosesAt)?> ReadEventAsync(string eventId)
    {
        var meta = await redis.GetDatabase().HashGetAsync(EventKeys.Meta(eventId), [EventKeys.Fields.Quantity, EventKeys.Fields.Closes]);
        if (meta[0].IsNull) return null;
        return ((long)meta[0], meta[1].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)meta[1]));
    }

    /// <summary>What remembering an event's winners needs besides them: when it closes.</summary>
    private async Task LearnClosingAsync(string eventId)
    {
        var changesBefore = Changes;
        if (await ReadEventAsync(eventId) is not { } e || Changes != changesBefore) return;
        _winners.TryAdd(eventId, new Winners(e.ClosesAt));
    }

    private async Task LearnSoldOutAsync(string eventId)
    {
        var changesBefore = Changes;
        if (await ReadEventAsync(eventId) is not { } e || e.Quantity > options.Value.MaxCachedWinners) return;
        var db = redis.GetDatabase();

        var winners = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        await foreach (var entry in db.HashScanAsync(EventKeys.Winners(eventId), pageSize: 10_000))
        {
            winners[entry.Name!] = ApplicationIds.AdmittedAt(entry.Value);
        }
        // A slot released while reading is announced, and HSCAN returns every field present throughout:
        // no announcement since we began and the count at the quantity means the set is exact.
        if (winners.Count < e.Quantity || Changes != changesBefore) return;
        if (await db.HashLengthAsync(EventKeys.Winners(eventId)) != winners.Count) return;

        _soldOut[eventId] = new SoldOut(winners, e.ClosesAt);
        _winners.TryRemove(eventId, out _);
        ApplyApiLog.SoldOutLearnt(logger, eventId, winners.Count);
    }

    private void Forget(string eventId)
    {
        Interlocked.Increment(ref _changes);
        _winners.TryRemove(eventId, out _);
        if (_soldOut.TryRemove(eventId, out _)) ApplyApiLog.SoldOutForgotten(logger, eventId);
    }

    /// <summary>Subscribes to the event's changes once; false when Redis could not be reached.</summary>
    private async Task<bool> TrySubscribeAsync(string eventId)
    {
        if (await _subscriptions.SubscribeAsync(eventId, message => Forget(message.ToString())) is not { } failure) return true;
        ApplyApiLog.SoldOutSubscribeFailed(logger, eventId, failure);
        return false;
    }

    /// <summary>
    /// The event settled (its keys left Redis; KnownEvents answers for it): nothing is kept for it here. Not counted in
    /// <see cref="Changes"/>: a settling is seen every second for a while, and would keep other events from learning.
    /// </summary>
    internal async Task ForgetSettledAsync(string eventId)
    {
        _winners.TryRemove(eventId, out _);
        _soldOut.TryRemove(eventId, out _);
        await _subscriptions.UnsubscribeAsync(eventId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var winners in _winners.Values) winners.Current = new();
                // The fallback for a lost announcement: a count that moved means the event may be open again.
                foreach (var (eventId, soldOut) in _soldOut)
                {
                    try
                    {
                        if (await redis.GetDatabase().HashLengthAsync(EventKeys.Winners(eventId)) != soldOut.Winners.Count) Forget(eventId);
                    }
                    catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
                    {
                        Forget(eventId);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
