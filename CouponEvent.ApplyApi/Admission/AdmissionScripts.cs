using System.Security.Cryptography;
using System.Text;
using CouponEvent.Data.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// The Lua run by Redis for each application, as a Redis function (<c>FCALL</c>). One call is one atomic step: no other
/// application can slip between the duplicate check, the window check, the count check, the fence and the write.
/// </summary>
/// <remarks>
/// A function rather than a script for one reason: a function library's locals live as long as the Lua VM of the
/// Redis process that loaded it, so the fence's <c>run_id</c> is read from <c>INFO server</c> once per process instead of
/// once per admission (bench/README.md has what that saves). A restart or a failover is a new
/// process with a new VM, which reads its own <c>run_id</c> again; a reload of the library starts from nothing too.
/// The names carry a hash of the code, as <c>EVALSHA</c> does, so two versions of ApplyApi never replace each other's.
/// </remarks>
internal static class AdmissionScripts
{
    /// <summary>
    /// KEYS: meta, winners (<see cref="EventKeys"/>). ARGV: userId, applicationId.
    /// Returns the position (1..quantity) when admitted, else a negative <see cref="AdmissionOutcome"/>.
    /// The window is checked against Redis's clock, so every ApplyApi replica agrees on it.
    /// Only the write needs the fence (<see cref="EventFence"/>): a duplicate or a sold-out event that a rolled-back
    /// Redis still shows was one before the rollback too, so those answers stay right and cost no fence check.
    /// Most of a call's cost is its <c>redis.call</c>s, so an admission makes three, not five: the clock is read only for
    /// an event with a window, and <c>HSETNX</c> is the duplicate check and the write in one; <c>HEXISTS</c> is asked
    /// only when no write follows (full, or not this process), to tell a duplicate from the rest (bench/README.md).
    /// </summary>
    private const string Admit = $$"""
        local meta = redis.call('HMGET', KEYS[1], '{{EventKeys.Fields.Quantity}}', '{{EventKeys.Fields.Opens}}', '{{EventKeys.Fields.Closes}}', '{{EventKeys.Fields.Fence}}')
        if not meta[1] then return -1 end
        if meta[2] or meta[3] then
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            if meta[2] and now < tonumber(meta[2]) then return -2 end
            if meta[3] and now >= tonumber(meta[3]) then return -3 end
        end
        local admitted = redis.call('HLEN', KEYS[2])
        local full = admitted >= tonumber(meta[1])
        if full or meta[4] ~= this_process() then
            if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -4 end
            return full and -5 or -6
        end
        if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return -4 end
        return admitted + 1
        """;

    /// <summary>The library's code; <c>{name}</c> stands for its hash, which names the library and the function.</summary>
    private const string Code = $$"""
        local run_id
        local function this_process()
            if not run_id then run_id = {{EventFence.CurrentLua}} end
            return run_id
        end
        redis.register_function('couponevent_admit_{name}', function(KEYS, ARGV)
        {{Admit}}
        end)
        """;

    private static readonly string Hash = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(Code)))[..12];

    /// <summary>The function to <c>FCALL</c>.</summary>
    public static readonly string AdmitFunction = $"couponevent_admit_{Hash}";

    /// <summary>The library for <c>FUNCTION LOAD REPLACE</c>: Redis keeps it in its AOF and RDB and sends it to replicas.</summary>
    public static readonly string Library = $"#!lua name=couponevent_{Hash}\n{Code.Replace("{name}", Hash)}";
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
