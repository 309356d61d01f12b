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

    /// <summary>The fence value that a revocation leaves (<see cref="EventScripts.RevokeAsync"/>): no process's run id.</summary>
    public const string Revoked = "revoked";
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
