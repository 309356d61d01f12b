using CouponEvent.Data.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// The Lua run by Redis for each application. One script is one atomic step: no other application can slip
/// between the duplicate check, the window check, the count check, the fence and the write.
/// </summary>
internal static class AdmissionScripts
{
    /// <summary>
    /// KEYS: meta, winners (<see cref="EventKeys"/>). ARGV: userId, applicationId.
    /// Returns the position (1..quantity) when admitted, else a negative <see cref="AdmissionOutcome"/>.
    /// The window is checked against Redis's clock, so every ApplyApi replica agrees on it.
    /// Only the write needs the fence (<see cref="EventFence"/>): a duplicate or a sold-out event that a rolled-back
    /// Redis still shows was one before the rollback too, so those answers stay right and cost no fence check.
    /// </summary>
    public const string Admit = $$"""
        local meta = redis.call('HMGET', KEYS[1], '{{EventKeys.Fields.Quantity}}', '{{EventKeys.Fields.Opens}}', '{{EventKeys.Fields.Closes}}', '{{EventKeys.Fields.Fence}}')
        if not meta[1] then return -1 end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        if meta[2] and now < tonumber(meta[2]) then return -2 end
        if meta[3] and now >= tonumber(meta[3]) then return -3 end
        if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -4 end
        local admitted = redis.call('HLEN', KEYS[2])
        if admitted >= tonumber(meta[1]) then return -5 end
        if meta[4] ~= {{EventFence.CurrentLua}} then return -6 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        return admitted + 1
        """;
}

internal enum AdmissionOutcome
{
    Admitted = 0,
    UnknownEvent = -1,
    NotOpen = -2,
    Closed = -3,
    Duplicate = -4,
    SoldOut = -5,
    /// <summary>This Redis process has not been reconciled with MySQL since it started (a restart, a failover).</summary>
    Unverified = -6,
}
