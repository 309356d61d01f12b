namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// The Lua run by Redis for each application. One script is one atomic step: no other application can slip
/// between the duplicate check, the window check, the count check and the write.
/// Keys of one event share the <c>{eventId}</c> hash tag, so they live in one Redis Cluster slot.
/// </summary>
internal static class AdmissionScripts
{
    public static string MetaKey(string eventId) => $"coupon:{{{eventId}}}:meta";

    /// <summary>userId → applicationId of every admitted user. Its size is the admitted count.</summary>
    public static string WinnersKey(string eventId) => $"coupon:{{{eventId}}}:winners";

    /// <summary>
    /// KEYS: meta, winners. ARGV: userId, applicationId.
    /// Returns the position (1..quantity) when admitted, else a negative <see cref="AdmissionOutcome"/>.
    /// The window is checked against Redis's clock, so every ApplyApi replica agrees on it.
    /// </summary>
    public const string Admit = """
        local meta = redis.call('HMGET', KEYS[1], 'quantity', 'opens', 'closes')
        if not meta[1] then return -1 end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        if meta[2] and now < tonumber(meta[2]) then return -2 end
        if meta[3] and now >= tonumber(meta[3]) then return -3 end
        if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -4 end
        local admitted = redis.call('HLEN', KEYS[2])
        if admitted >= tonumber(meta[1]) then return -5 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        return admitted + 1
        """;

    /// <summary>
    /// KEYS: winners. ARGV: userId, applicationId. Frees the slot only if it still belongs to this application,
    /// so a late or repeated release can never free a slot that a newer application of the user holds.
    /// </summary>
    public const string Release = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
            return redis.call('HDEL', KEYS[1], ARGV[1])
        end
        return 0
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
}
