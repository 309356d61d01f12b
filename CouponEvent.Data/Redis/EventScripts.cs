using System.Security.Cryptography;
using System.Text;
using CouponEvent.ServiceDefaults;
using StackExchange.Redis;

namespace CouponEvent.Data.Redis;

/// <summary>
/// Every Lua script on an event's state, each beside the one call that runs it with its keys and arguments and reads its
/// reply into a type: the one way ApplyApi, the RetryJob, the race view and the tests touch that state atomically.
/// </summary>
public static class EventScripts
{
    /// <summary>
    /// KEYS: meta, winners. ARGV: userId, applicationId. Returns the position (1..quantity) when admitted, else the
    /// <see cref="ApplyOutcome"/>'s (negative) value. One atomic step: no other application can slip between the window
    /// check, the duplicate check, the count, the fence and the write.
    /// </summary>
    /// <remarks>
    /// The window is judged on Redis's clock, so every ApplyApi replica agrees on it. Only the write needs the fence
    /// (<see cref="EventFence"/>): a duplicate or a sold-out event that a rolled-back Redis still shows was one before
    /// the rollback too. A call costs what its <c>redis.call</c>s cost, so an admission makes three: the clock is read
    /// only for an event with a window, <c>HSETNX</c> is the duplicate check and the write in one, and <c>HEXISTS</c> is
    /// asked only when no write follows, to tell a duplicate from the rest (bench/README.md).
    /// </remarks>
    private static readonly string Admit = $$"""
        local meta = redis.call('HMGET', KEYS[1], '{{EventKeys.Fields.Quantity}}', '{{EventKeys.Fields.Opens}}', '{{EventKeys.Fields.Closes}}', '{{EventKeys.Fields.Fence}}')
        if not meta[1] then return {{(int)ApplyOutcome.UnknownEvent}} end
        if meta[2] or meta[3] then
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            if meta[2] and now < tonumber(meta[2]) then return {{(int)ApplyOutcome.NotOpen}} end
            if meta[3] and now >= tonumber(meta[3]) then return {{(int)ApplyOutcome.Closed}} end
        end
        local admitted = redis.call('HLEN', KEYS[2])
        local full = admitted >= tonumber(meta[1])
        if full or meta[4] ~= this_process() then
            if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return {{(int)ApplyOutcome.AlreadyApplied}} end
            return full and {{(int)ApplyOutcome.SoldOut}} or {{(int)ApplyOutcome.Recovering}}
        end
        if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return {{(int)ApplyOutcome.AlreadyApplied}} end
        return admitted + 1
        """;

    /// <summary>
    /// The admission as a Redis function (<c>FCALL</c>) rather than a script for one reason: a library's locals live as
    /// long as the Lua VM of the Redis process that loaded it, so the fence's <c>run_id</c> is read once per process, not
    /// once per admission. A restart or a failover is a new VM that reads its own again. The names carry a hash of the
    /// code, as <c>EVALSHA</c> does, so two versions of ApplyApi never replace each other's.
    /// </summary>
    private static readonly string AdmitLibraryCode = $$"""
        local run_id
        local function this_process()
            if not run_id then run_id = {{EventFence.CurrentLua}} end
            return run_id
        end
        redis.register_function('couponevent_admit_{name}', function(KEYS, ARGV)
        {{Admit}}
        end)
        """;

    private static readonly string AdmitHash = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(AdmitLibraryCode)))[..12];
    private static readonly string AdmitFunction = $"couponevent_admit_{AdmitHash}";
    /// <summary>For <c>FUNCTION LOAD REPLACE</c>: Redis keeps it in its AOF and RDB and sends it to replicas.</summary>
    private static readonly string AdmitLibrary = $"#!lua name=couponevent_{AdmitHash}\n{AdmitLibraryCode.Replace("{name}", AdmitHash)}";

    /// <summary>Admits <paramref name="userId"/> to the event if a slot is free (<see cref="Admit"/>).</summary>
    /// <returns><see cref="ApplyOutcome.Admitted"/> with the 1-based position, or the outcome that refused it.</returns>
    public static async Task<(ApplyOutcome Outcome, long Position)> AdmitAsync(this IDatabase db, string eventId, string userId, Guid applicationId)
    {
        // Keys as RedisKey, so that the client routes the call by their slot as it does a script's.
        object[] call = [AdmitFunction, 2, (RedisKey)EventKeys.Meta(eventId), (RedisKey)EventKeys.Winners(eventId), userId, applicationId.ToString("N")];
        RedisResult reply;
        try
        {
            reply = await db.ExecuteAsync("FCALL", call);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("ERR Function not found", StringComparison.Ordinal))
        {
            // A Redis that started empty, or whose functions were flushed: load the library (idempotent) and call again.
            // FUNCTION LOAD names no key: it goes to the server that owns the event's slot, which on a cluster is one
            // primary of several (a new one, or one that lost its data); its replicas get it by replication.
            await db.Multiplexer.GetServer((RedisKey)EventKeys.Meta(eventId)).ExecuteAsync("FUNCTION", "LOAD", "REPLACE", AdmitLibrary);
            reply = await db.ExecuteAsync("FCALL", call);
        }
        var result = (long)reply;
        return result > 0 ? (ApplyOutcome.Admitted, result) : ((ApplyOutcome)result, 0);
    }

    /// <summary>
    /// KEYS: winners, pending. ARGV: userId, applicationId, eventId, its changes channel. Frees the slot only if it still belongs to this
    /// application, so a late or repeated release can never free a slot that a newer application holds, and announces
    /// the change on <see cref="EventKeys.Changes"/>. Returns 1 when freed.
    /// </summary>
    private const string Release = $$"""
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
            redis.call('HDEL', KEYS[2], ARGV[1])
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('SPUBLISH', ARGV[4], ARGV[3])
            return 1
        end
        return 0
        """;

    /// <summary>Frees the slot that <paramref name="applicationId"/> took, only if it still holds it; idempotent.</summary>
    /// <returns>Whether it was freed.</returns>
    public static async Task<bool> ReleaseAsync(this IDatabase db, string eventId, string userId, Guid applicationId) =>
        (long)await db.ScriptEvaluateAsync(Release, [EventKeys.Winners(eventId), EventKeys.Pending(eventId)],
            [userId, applicationId.ToString("N"), eventId, EventKeys.Changes(eventId)]) == 1;

    /// <summary>
    /// KEYS: meta. Returns {kind, run_id, master_replid, promoted, fence}: kind as <see cref="EventStateKind"/>;
    /// promoted 1 when the process keeps a previous replication id (it was a replica, then promoted).
    /// </summary>
    private static readonly string State = $$"""
        local info = redis.call('INFO', 'server', 'replication')
        local current = string.match(info, 'run_id:(%x+)')
        local replid = string.match(info, 'master_replid:(%x+)') or ''
        local promoted = string.match(info, 'master_replid2:0+\r') and 0 or 1
        if redis.call('EXISTS', KEYS[1]) == 0 then return {{{(int)EventStateKind.Missing}}, current, replid, promoted, ''} end
        local fence = redis.call('HGET', KEYS[1], '{{EventKeys.Fields.Fence}}') or ''
        if fence == current then return {{{(int)EventStateKind.Verified}}, current, replid, promoted, fence} end
        return {{{(int)EventStateKind.Unverified}}, current, replid, promoted, fence}
        """;

    /// <summary>Where an event's state stands on the Redis process that answers.</summary>
    public static async Task<EventState> ReadStateAsync(this IDatabase db, string eventId)
    {
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(State, [EventKeys.Meta(eventId)]))!;
        return new EventState(eventId, (EventStateKind)(int)reply[0], (string)reply[1]!, (string)reply[2]!, (int)reply[3] == 1, (string)reply[4]!);
    }

    /// <summary>
    /// KEYS: meta. ARGV: run_id. Unverifies the event if its fence names this process: the same process whose
    /// replication id changed (it was a replica and took another master's data) may have lost writes too.
    /// </summary>
    private const string Revoke = $$"""
        if redis.call('HGET', KEYS[1], '{{EventKeys.Fields.Fence}}') == ARGV[1] then
            redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Fence}}', '{{EventFence.Revoked}}')
            return 1
        end
        return 0
        """;

    /// <summary>Unverifies the event if its fence names <paramref name="runId"/>.</summary>
    public static async Task RevokeAsync(this IDatabase db, string eventId, string runId) =>
        await db.ScriptEvaluateAsync(Revoke, [EventKeys.Meta(eventId)], [runId]);

    /// <summary>
    /// KEYS: meta, winners, recovery progress. ARGV: fence, then userId, applicationId pairs. Adds MySQL's winners to
    /// Redis's (MySQL's application id wins) while the server is still the one the fence names, and counts the users
    /// Redis lacked in the progress hash under the fence; returns that count, or -1 when the server changed.
    /// </summary>
    private const string Merge = $$"""
        if {{EventFence.CurrentLua}} ~= ARGV[1] then return -1 end
        local added = 0
        for i = 2, #ARGV, 2 do
            added = added + redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
        end
        redis.call('HINCRBY', KEYS[3], ARGV[1], added)
        return added
        """;

    /// <summary>Adds MySQL's winners to Redis's on the server <paramref name="fence"/> names.</summary>
    /// <returns>How many Redis lacked, or null when the server changed.</returns>
    public static async Task<long?> MergeWinnersAsync(this IDatabase db, string eventId, string fence, IEnumerable<KeyValuePair<string, Guid>> winners)
    {
        var added = (long)await db.ScriptEvaluateAsync(Merge,
            [EventKeys.Meta(eventId), EventKeys.Winners(eventId), EventKeys.RecoveryProgress(eventId)],
            [fence, .. winners.SelectMany(w => new RedisValue[] { w.Key, w.Value.ToString("N") })]);
        return added < 0 ? null : added;
    }

    /// <summary>
    /// KEYS: meta, recovery progress. ARGV: fence, eventId, its changes channel, quantity, opens, closes ('' when none),
    /// then field, value pairs to add. Writes the event's meta with the fence, only if the server is still the one the fence names, with
    /// the winners a recovery on this server merged back (<see cref="Merge"/>, every attempt), and announces the change
    /// on <see cref="EventKeys.Changes"/>. Returns how many were merged back (0 for a new event), or -1 when the server
    /// changed in between.
    /// </summary>
    private const string WriteMeta = $$"""
        if {{EventFence.CurrentLua}} ~= ARGV[1] then return -1 end
        local restored = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        redis.call('DEL', KEYS[2])
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Quantity}}', ARGV[4], '{{EventKeys.Fields.Fence}}', ARGV[1])
        if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Opens}}', ARGV[5]) end
        if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Closes}}', ARGV[6]) end
        for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        if #ARGV > 6 then redis.call('HSET', KEYS[1], '{{EventKeys.Fields.RecoveryRestored}}', restored) end
        redis.call('SPUBLISH', ARGV[3], ARGV[2])
        return restored
        """;

    /// <summary>Writes the event's meta, fenced to <paramref name="fence"/>.</summary>
    /// <param name="recovery">The recovery's when and why, if this write ends one.</param>
    /// <returns>The winners a recovery merged back (0 for a new event), or null when the server changed.</returns>
    public static async Task<long?> WriteMetaAsync(this IDatabase db, string eventId, string fence, int quantity, DateTimeOffset? opensAt,
        DateTimeOffset? closesAt, (DateTimeOffset At, string Cause)? recovery = null)
    {
        RedisValue[] args =
        [
            fence, eventId, EventKeys.Changes(eventId), quantity,
            opensAt is { } opens ? opens.ToUnixTimeMilliseconds() : "",
            closesAt is { } closes ? closes.ToUnixTimeMilliseconds() : "",
        ];
        if (recovery is { } r)
            args = [.. args, EventKeys.Fields.RecoveredAt, r.At.ToUnixTimeMilliseconds(), EventKeys.Fields.RecoveryCause, r.Cause];
        var restored = (long)await db.ScriptEvaluateAsync(WriteMeta, [EventKeys.Meta(eventId), EventKeys.RecoveryProgress(eventId)], args);
        return restored < 0 ? null : restored;
    }

    /// <summary>KEYS: the lock. ARGV: its holder's token. Deletes the lock only if this holder still has it.</summary>
    private const string Unlock = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    /// <summary>Takes the event's recovery lock (<see cref="EventKeys.Recovering"/>) for <paramref name="expiry"/>.</summary>
    /// <returns>The holder's token, or null when another instance holds it.</returns>
    public static async Task<string?> LockRecoveryAsync(this IDatabase db, string eventId, TimeSpan expiry)
    {
        var token = Guid.NewGuid().ToString("N");
        return await db.StringSetAsync(EventKeys.Recovering(eventId), token, expiry, When.NotExists) ? token : null;
    }

    /// <summary>Frees the event's recovery lock if <paramref name="token"/> still holds it.</summary>
    public static async Task UnlockRecoveryAsync(this IDatabase db, string eventId, string token) =>
        await db.ScriptEvaluateAsync(Unlock, [EventKeys.Recovering(eventId)], [token]);
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
