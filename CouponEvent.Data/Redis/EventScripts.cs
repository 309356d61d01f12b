using StackExchange.Redis;

namespace CouponEvent.Data.Redis;

/// <summary>
/// Each script of an event's state in Redis with its keys, arguments and typed reply (the Lua is in
/// <see cref="EventKeys"/> and <see cref="EventFence"/>): the one way ApplyApi, the RetryJob and the tests call them.
/// The admission itself is ApplyApi's (a Redis function on its hot path).
/// </summary>
public static class EventScripts
{
    /// <summary>Where an event's state stands on the Redis process that answers (<see cref="EventFence.StateScript"/>).</summary>
    public static async Task<EventState> ReadStateAsync(this IDatabase db, string eventId)
    {
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(EventFence.StateScript, [EventKeys.Meta(eventId)]))!;
        return new EventState(eventId, (EventStateKind)(int)reply[0], (string)reply[1]!, (string)reply[2]!, (int)reply[3] == 1, (string)reply[4]!);
    }

    /// <summary>Frees the slot <paramref name="applicationId"/> (N format) took, only if it still holds it (<see cref="EventKeys.ReleaseScript"/>).</summary>
    /// <returns>Whether it was freed.</returns>
    public static async Task<bool> ReleaseAsync(this IDatabase db, string eventId, long userId, string applicationId) =>
        (long)await db.ScriptEvaluateAsync(EventKeys.ReleaseScript, [EventKeys.Winners(eventId), EventKeys.Pending(eventId)],
            [userId, applicationId, eventId]) == 1;

    /// <summary>Unverifies the event if its fence names <paramref name="runId"/> (<see cref="EventFence.RevokeScript"/>).</summary>
    public static async Task RevokeAsync(this IDatabase db, string eventId, string runId) =>
        await db.ScriptEvaluateAsync(EventFence.RevokeScript, [EventKeys.Meta(eventId)], [runId]);

    /// <summary>Adds MySQL's winners to Redis's on the server <paramref name="fence"/> names (<see cref="EventFence.MergeScript"/>).</summary>
    /// <returns>How many Redis lacked, or null when the server changed.</returns>
    public static async Task<long?> MergeWinnersAsync(this IDatabase db, string eventId, string fence, IEnumerable<KeyValuePair<long, Guid>> winners)
    {
        var added = (long)await db.ScriptEvaluateAsync(EventFence.MergeScript,
            [EventKeys.Meta(eventId), EventKeys.Winners(eventId), EventKeys.RecoveryProgress(eventId)],
            [fence, .. winners.SelectMany(w => new RedisValue[] { w.Key, w.Value.ToString("N") })]);
        return added < 0 ? null : added;
    }

    /// <summary>Writes the event's meta, fenced to <paramref name="fence"/> (<see cref="EventFence.WriteMetaScript"/>).</summary>
    /// <param name="recovery">The recovery's when and why, if this write ends one.</param>
    /// <returns>The winners a recovery merged back (0 for a new event), or null when the server changed.</returns>
    public static async Task<long?> WriteMetaAsync(this IDatabase db, string eventId, string fence, int quantity, DateTimeOffset? opensAt,
        DateTimeOffset? closesAt, (DateTimeOffset At, string Cause)? recovery = null)
    {
        RedisValue[] args =
        [
            fence, eventId, quantity,
            opensAt is { } opens ? opens.ToUnixTimeMilliseconds() : "",
            closesAt is { } closes ? closes.ToUnixTimeMilliseconds() : "",
        ];
        if (recovery is { } r)
            args = [.. args, EventKeys.Fields.RecoveredAt, r.At.ToUnixTimeMilliseconds(), EventKeys.Fields.RecoveryCause, r.Cause];
        var restored = (long)await db.ScriptEvaluateAsync(EventFence.WriteMetaScript, [EventKeys.Meta(eventId), EventKeys.RecoveryProgress(eventId)], args);
        return restored < 0 ? null : restored;
    }
}

public enum EventStateKind
{
    /// <summary>Redis holds nothing of the event: new, or lost.</summary>
    Missing = 0,
    /// <summary>Redis holds it, but has not been reconciled with MySQL since this Redis process started.</summary>
    Unverified = 1,
    Verified = 2,
}

/// <param name="RunId">The Redis process that answered.</param>
/// <param name="ReplicationId">Its replication id.</param>
/// <param name="Promoted">It keeps a previous replication id: it was a replica, then promoted.</param>
/// <param name="Fence">The process the state was last verified on ('' when none).</param>
public sealed record EventState(string EventId, EventStateKind Kind, string RunId, string ReplicationId, bool Promoted, string Fence);
