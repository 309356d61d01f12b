using System.Collections.Concurrent;
using CouponEvent.ApplyApi.Events;
using CouponEvent.Data.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// The sold-out events this instance knows of, with their winners, so that the burst that follows the last
/// coupon is answered (410, or 409 for a winner) without a Redis round trip.
/// </summary>
/// <remarks>
/// An event is learnt when the script answers "sold out", from one read of its winners. Only a change announced on
/// <see cref="EventKeys.Changes"/> (a released slot, a rewritten or rebuilt event) can reopen it: the entry is
/// dropped on the announcement, and a check every <see cref="SoldOutOptions.CheckInterval"/> that the winner count
/// has not moved covers an announcement lost with a connection. Near the event's closing time Redis answers again,
/// since the window is judged on Redis's clock.
/// </remarks>
public sealed class SoldOutEvents(IConnectionMultiplexer redis, IOptions<SoldOutOptions> options, TimeProvider time,
    ILogger<SoldOutEvents> logger) : BackgroundService
{
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, SoldOut> _events = new();
    private readonly ConcurrentDictionary<string, byte> _learning = new();
    private long _changes;

    private sealed record SoldOut(HashSet<long> Winners, DateTimeOffset? ClosesAt);

    /// <summary>The answer for an event known to be sold out; null when Redis must decide.</summary>
    internal AdmissionOutcome? Answer(string eventId, long userId)
    {
        if (!_events.TryGetValue(eventId, out var soldOut)) return null;
        if (soldOut.ClosesAt is { } closes && time.GetUtcNow() >= closes - ClockMargin) return null;
        return soldOut.Winners.Contains(userId) ? AdmissionOutcome.Duplicate : AdmissionOutcome.SoldOut;
    }

    /// <summary>The script answered "sold out": learn the event in the background, once.</summary>
    internal void Noticed(string eventId)
    {
        if (_events.ContainsKey(eventId) || !_learning.TryAdd(eventId, 0)) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await LearnAsync(eventId);
            }
            catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
            {
                ApplyApiLog.SoldOutLearnFailed(logger, eventId, ex.Message);
            }
            finally
            {
                _learning.TryRemove(eventId, out _);
            }
        });
    }

    public bool IsKnown(string eventId) => _events.ContainsKey(eventId);

    private async Task LearnAsync(string eventId)
    {
        var changesBefore = Interlocked.Read(ref _changes);
        var db = redis.GetDatabase();
        var meta = await db.HashGetAsync(EventKeys.Meta(eventId), ["quantity", "closes"]);
        if (meta[0].IsNull || (long)meta[0] > options.Value.MaxCachedWinners) return;
        var quantity = (long)meta[0];

        var winners = new HashSet<long>();
        await foreach (var entry in db.HashScanAsync(EventKeys.Winners(eventId), pageSize: 10_000))
        {
            winners.Add((long)entry.Name);
        }
        // A slot released while reading is announced, and HSCAN returns every field present throughout:
        // no announcement since we began and the count at the quantity means the set is exact.
        if (winners.Count < quantity || Interlocked.Read(ref _changes) != changesBefore) return;
        if (await db.HashLengthAsync(EventKeys.Winners(eventId)) != winners.Count) return;

        DateTimeOffset? closes = meta[1].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)meta[1]);
        _events[eventId] = new SoldOut(winners, closes);
        ApplyApiLog.SoldOutLearnt(logger, eventId, winners.Count);
    }

    private void Forget(string eventId)
    {
        Interlocked.Increment(ref _changes);
        if (_events.TryRemove(eventId, out _)) ApplyApiLog.SoldOutForgotten(logger, eventId);
    }

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            // StackExchange.Redis subscribes again by itself after a reconnection.
            await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(EventKeys.Changes), (_, eventId) => Forget(eventId.ToString()));
            return true;
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            ApplyApiLog.SoldOutSubscribeFailed(logger, ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscribed = await TrySubscribeAsync();
        using var timer = new PeriodicTimer(options.Value.CheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Redis away at start-up: keep trying; meanwhile the check below is the only way to learn of a change.
                if (!subscribed) subscribed = await TrySubscribeAsync();
                // The fallback for a lost announcement: a count that moved means the event may be open again.
                foreach (var (eventId, soldOut) in _events)
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
