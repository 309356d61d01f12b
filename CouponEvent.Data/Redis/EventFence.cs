namespace CouponEvent.Data.Redis;

/// <summary>
/// Admission is decided only on a Redis whose state has been reconciled with MySQL since that Redis process started.
/// </summary>
/// <remarks>
/// Redis persists and replicates asynchronously: a crash under <c>appendfsync everysec</c>, or a failover to a replica
/// that lagged, brings back a Redis that still holds the event but not its last winners, and would admit new users
/// into slots it already gave away. Each event's meta hash records the fence, the <c>run_id</c> of the Redis process
/// that ApplyApi last reconciled the event on. The admission script compares it with the <c>run_id</c> of the process
/// running the script, so the check and the write are one atomic step on the very server that decides: a restarted
/// or promoted Redis (a new process, a new <c>run_id</c>) admits nobody until ApplyApi has merged MySQL's winners into
/// it and written the new fence. There is no window between the crash and its detection to close.
/// </remarks>
public static class EventFence
{
    /// <summary>Lua expression: the <c>run_id</c> of the Redis process running the script (costly: it formats all of <c>INFO server</c>, bench/README.md).</summary>
    public const string CurrentLua = "string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')";

    /// <summary>
    /// KEYS: meta. Returns {state, run_id, master_replid, promoted, fence}: state 0 = no state (new or lost),
    /// 1 = unverified (the fence is another process's, revoked, or none), 2 = verified; promoted 1 when the process
    /// keeps a previous replication id (it was a replica, then promoted).
    /// </summary>
    public const string StateScript = $$"""
        local info = redis.call('INFO', 'server', 'replication')
        local current = string.match(info, 'run_id:(%x+)')
        local replid = string.match(info, 'master_replid:(%x+)') or ''
        local promoted = string.match(info, 'master_replid2:0+\r') and 0 or 1
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0, current, replid, promoted, ''} end
        local fence = redis.call('HGET', KEYS[1], '{{EventKeys.Fields.Fence}}') or ''
        if fence == current then return {2, current, replid, promoted, fence} end
        return {1, current, replid, promoted, fence}
        """;

    /// <summary>The fence value that <see cref="RevokeScript"/> leaves: no process's run id.</summary>
    public const string Revoked = "revoked";

    /// <summary>
    /// KEYS: meta, winners, recovery progress. ARGV: fence, then userId, applicationId pairs. Adds MySQL's winners to
    /// Redis's (MySQL's application id wins) while the server is still the one the fence names, and counts the users
    /// Redis lacked in the progress hash under the fence; returns that count, or -1 when the server changed (start again).
    /// </summary>
    public const string MergeScript = $$"""
        if {{CurrentLua}} ~= ARGV[1] then return -1 end
        local added = 0
        for i = 2, #ARGV, 2 do
            added = added + redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
        end
        redis.call('HINCRBY', KEYS[3], ARGV[1], added)
        return added
        """;

    /// <summary>
    /// KEYS: meta, recovery progress. ARGV: fence, eventId, quantity, opens, closes ('' when none), then field, value
    /// pairs to add. Writes the event's meta with the fence, only if the server is still the one the fence names, with
    /// the winners a recovery on this server merged back (<see cref="MergeScript"/>, every attempt), and announces the
    /// change on <see cref="EventKeys.Changes"/>. Returns how many were merged back (0 for a new event), or -1 when
    /// the server changed in between.
    /// </summary>
    public const string WriteMetaScript = $$"""
        if {{CurrentLua}} ~= ARGV[1] then return -1 end
        local restored = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        redis.call('DEL', KEYS[2])
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Quantity}}', ARGV[3], '{{EventKeys.Fields.Fence}}', ARGV[1])
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Opens}}', ARGV[4]) end
        if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Closes}}', ARGV[5]) end
        for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        if #ARGV > 5 then redis.call('HSET', KEYS[1], '{{EventKeys.Fields.RecoveryRestored}}', restored) end
        redis.call('PUBLISH', '{{EventKeys.Changes}}', ARGV[2])
        return restored
        """;

    /// <summary>
    /// KEYS: meta. ARGV: run_id. Unverifies the event if its fence names this process: the same process whose
    /// replication id changed (it was a replica and took another master's data) may have lost writes too.
    /// </summary>
    public const string RevokeScript = $$"""
        if redis.call('HGET', KEYS[1], '{{EventKeys.Fields.Fence}}') == ARGV[1] then
            redis.call('HSET', KEYS[1], '{{EventKeys.Fields.Fence}}', '{{Revoked}}')
            return 1
        end
        return 0
        """;
}

/// <summary>Why an event's state was rebuilt or re-verified (reported by reconciliation).</summary>
public static class RecoveryCauses
{
    /// <summary>Redis held nothing of the event: a Redis restarted empty, or a new one.</summary>
    public const string StateMissing = "state-missing";
    /// <summary>Another Redis process: a restart (from its AOF or snapshot) or a failover to a replica.</summary>
    public const string ServerChanged = "server-changed";
    /// <summary>The same process changed replication id: it was a replica, took another master's data, and leads again.</summary>
    public const string RoleChanged = "role-changed";
}
