using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// Redis <c>WAIT</c>, shared: one <c>WAIT</c> covers every write sent before it on the connection, so the admissions
/// that finished while one was on the wire share the next one. At most one is in flight, and each caller's write is
/// covered by a <c>WAIT</c> sent after it.
/// </summary>
public sealed class ReplicaAcknowledgement(IConnectionMultiplexer redis, IOptions<AdmissionOptions> options)
{
    private readonly SemaphoreSlim _sender = new(1, 1);
    private long _tickets;
    private long _coveredUpTo;
    private bool _lastAcknowledged;

    private bool Enabled => options.Value.ReplicaAcks > 0;

    /// <summary>Whether enough replicas hold every write this instance made before the call.</summary>
    public async Task<bool> WaitAsync()
    {
        if (!Enabled) return true;
        var ticket = Interlocked.Increment(ref _tickets);
        await _sender.WaitAsync();
        try
        {
            // A WAIT sent after our write already answered for it.
            if (_coveredUpTo >= ticket) return _lastAcknowledged;
            var upTo = Interlocked.Read(ref _tickets);
            var settings = options.Value;
            try
            {
                var acknowledged = (long)await redis.GetDatabase().ExecuteAsync("WAIT", settings.ReplicaAcks, (long)settings.ReplicaTimeout.TotalMilliseconds);
                _lastAcknowledged = acknowledged >= settings.ReplicaAcks;
            }
            catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
            {
                // The connection failed under the WAIT: the writes before it are not known to be anywhere but the master.
                _lastAcknowledged = false;
            }
            _coveredUpTo = upTo;
            return _lastAcknowledged;
        }
        finally
        {
            _sender.Release();
        }
    }
}
