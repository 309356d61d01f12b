using CouponEvent.ServiceDefaults;
using StackExchange.Redis;

namespace CouponEvent.Data.Redis;

/// <summary>
/// Announcements of applicants' status changes on each event's <see cref="EventKeys.Statuses"/> channel (message: their
/// user ids, one per line), so that ApplyApi answers a held status poll when the change happens rather than when its
/// cached answer expires. Best effort: pub/sub delivers at most once, and a poll that misses one looks again when its
/// answer expires, so announcing never holds up a write.
/// </summary>
public sealed class StatusChanges(IConnectionMultiplexer redis)
{
    public static RedisChannel Channel(string eventId) => RedisChannel.Sharded(EventKeys.Statuses(eventId));

    public static string[] UserIds(RedisValue message) => message.ToString().Split('\n');

    /// <summary>Announces each event's applicants (after the transaction that changed them has committed).</summary>
    public void Announce(IEnumerable<(string EventId, string UserId)> applicants)
    {
        foreach (var users in applicants.GroupBy(a => a.EventId, a => a.UserId))
        {
            try
            {
                redis.GetSubscriber().Publish(Channel(users.Key), string.Join('\n', users.Distinct()), CommandFlags.FireAndForget);
            }
            catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
            {
                // Not announced: the polls learn it when their answers expire.
            }
        }
    }
}
