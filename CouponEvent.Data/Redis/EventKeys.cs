using StackExchange.Redis;

namespace CouponEvent.Data.Redis;

/// <summary>
/// The Redis layout of an event's admission state, shared by ApplyApi (admits, releases, rebuilds) and
/// RetryJob (reconciles). Keys of one event share the <c>{eventId}</c> hash tag: one Redis Cluster slot,
/// so one Lua script can touch them all.
/// </summary>
public static class EventKeys
{
    /// <summary>Hash of <see cref="Fields"/>: quantity, opens, closes (unix ms), the fence, the last recovery.
    /// Its absence means "no state": new, or lost.</summary>
    public static string Meta(string eventId) => $"coupon:{{{eventId}}}:meta";

    /// <summary>The fields of <see cref="Meta"/>.</summary>
    public static class Fields
    {
        public const string Quantity = "quantity";
        /// <summary>Unix ms; absent when open from creation.</summary>
        public const string Opens = "opens";
        /// <summary>Unix ms; absent when never closing.</summary>
        public const string Closes = "closes";
        /// <summary>The run_id of the Redis process the state was verified on (<see cref="EventFence"/>).</summary>
        public const string Fence = "fence";
        /// <summary>The last recovery: when (unix ms), why (<see cref="RecoveryCauses"/>), how many lost winners it put back.</summary>
        public const string RecoveredAt = "recovered_at";
        public const string RecoveryCause = "recovery_cause";
        public const string RecoveryRestored = "recovery_restored";
    }

    /// <summary>Hash: userId → applicationId (N format) of every admitted user. Its size is the admitted count.</summary>
    public static string Winners(string eventId) => $"coupon:{{{eventId}}}:winners";

    /// <summary>
    /// String: held (SET NX, a short expiry) by the ApplyApi instance recovering the event, so that one instance does it
    /// and its report of what it put back is exact. An instance that dies holding it frees it by the expiry.
    /// </summary>
    public static string Recovering(string eventId) => $"coupon:{{{eventId}}}:recovering";

    /// <summary>
    /// Hash: fence → winners merged back so far by the recovery on that server, across attempts (one may fail after
    /// merging); the meta write that ends the recovery reports it and deletes this.
    /// </summary>
    public static string RecoveryProgress(string eventId) => $"coupon:{{{eventId}}}:recovery-progress";

    /// <summary>Hash: userId → applicationId of admissions whose Kafka outcome was unknown, until reconciliation settles them.</summary>
    public static string Pending(string eventId) => $"coupon:{{{eventId}}}:pending";

    /// <summary>
    /// The keys of an event's admission state, deleted together (one <c>DEL</c>, atomic: the winners never outlive the
    /// meta hash, which would admit anew) when the event settles. The race view's answers expire by themselves.
    /// </summary>
    public static RedisKey[] State(string eventId) =>
        [Meta(eventId), Winners(eventId), Pending(eventId), Recovering(eventId), RecoveryProgress(eventId)];

    /// <summary>
    /// Hash: "{unix milliseconds}:{outcome}" → answers ApplyApi gave for the event in the <see cref="AnswerBucket"/>
    /// starting then, summed over replicas (<see cref="AnswerField"/>). For the race view; expires an hour after the last answer.
    /// </summary>
    public static string Answers(string eventId) => $"coupon:{{{eventId}}}:answers";

    /// <summary>The span of time one answer field counts: fine enough to draw a race that lasts a second.</summary>
    public static readonly TimeSpan AnswerBucket = TimeSpan.FromMilliseconds(200);

    public static string AnswerField(long unixMilliseconds, string outcome) => $"{unixMilliseconds}:{outcome}";

    /// <summary>The bucket's start (unix milliseconds) and the outcome of an <see cref="AnswerField"/>; false for anything else.</summary>
    public static bool TryParseAnswerField(string field, out long unixMilliseconds, out string outcome)
    {
        var parts = field.Split(':', 2);
        outcome = parts.Length == 2 ? parts[1] : "";
        if (!long.TryParse(parts[0], out unixMilliseconds) || parts.Length != 2) return false;
        // Written before the buckets were 200 ms: unix seconds, kept readable for the hour they live.
        if (unixMilliseconds < 100_000_000_000) unixMilliseconds *= 1000;
        return true;
    }

    /// <summary>
    /// Sharded pub/sub channel (<c>SPUBLISH</c>, <see cref="StackExchange.Redis.RedisChannel.Sharded"/>) on which each
    /// change that can reopen the event is announced (message: the event id): a released slot, a written or rebuilt
    /// event. It shares the event's hash tag, so on a cluster it lives on the event's shard and is announced by the
    /// script that made the change; ApplyApi instances drop what they cached about the event.
    /// </summary>
    public static string Changes(string eventId) => $"coupon:{{{eventId}}}:changes";

    /// <summary>
    /// Sharded pub/sub channel on which the Consumer and RetryJob announce the applicants whose status they just changed
    /// in MySQL (a coupon row, a failed or refused application); <see cref="StatusChanges"/> writes and reads its messages.
    /// ApplyApi instances answer those applicants' held status polls at once.
    /// </summary>
    public static string Statuses(string eventId) => $"coupon:{{{eventId}}}:statuses";
}
