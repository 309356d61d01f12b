using System.Collections.Concurrent;
using CouponEvent.ServiceDefaults;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// This instance's subscriptions to one kind of per-event channel (sharded pub/sub: on a cluster, on the event's
/// shard): made once per event when first needed, dropped when the event settles, so that their number follows the
/// live events.
/// </summary>
public sealed class EventSubscriptions(IConnectionMultiplexer redis, Func<string, RedisChannel> channelOf, TimeProvider? time = null)
{
    // Per event: when Redis confirmed the subscription; null while it is being made.
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _subscribed = new();

    /// <summary>Subscribes to the event's channel unless it already is; the reason when Redis could not be reached.</summary>
    public async Task<string?> SubscribeAsync(string eventId, Action<RedisValue> onMessage)
    {
        if (!_subscribed.TryAdd(eventId, null)) return null;
        try
        {
            // StackExchange.Redis subscribes again by itself after a reconnection, on the slot's new owner after a failover.
            await redis.GetSubscriber().SubscribeAsync(channelOf(eventId), (_, message) => onMessage(message));
            _subscribed.TryUpdate(eventId, (time ?? TimeProvider.System).GetUtcNow(), null);
            return null;
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            _subscribed.TryRemove(eventId, out _);
            return ex.Message;
        }
    }

    /// <summary>
    /// When Redis confirmed the subscription to the event's channel: every message published since has been delivered,
    /// unless pub/sub lost it (at most once). Null when not subscribed, or not yet.
    /// </summary>
    public DateTimeOffset? SubscribedSince(string eventId) => _subscribed.GetValueOrDefault(eventId);

    /// <summary>Drops the event's subscription, if any (it settled).</summary>
    public async Task UnsubscribeAsync(string eventId)
    {
        if (!_subscribed.TryRemove(eventId, out _)) return;
        try
        {
            await redis.GetSubscriber().UnsubscribeAsync(channelOf(eventId));
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            // The handler is gone from the client already, and it does not subscribe again after a reconnection.
        }
    }
}
