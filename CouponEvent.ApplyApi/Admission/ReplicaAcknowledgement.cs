using System.Collections.Concurrent;
using System.Net;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>
/// Redis <c>WAIT</c>, on the primary that took the write and shared: one <c>WAIT</c> covers every write sent before it
/// on that primary's connection, so the admissions that finished while one was on the wire share the next one. At most
/// one is in flight per primary (per shard of a cluster), and each caller's write is covered by a <c>WAIT</c> sent
/// after it on the same connection.
/// </summary>
/// <remarks>
/// <c>WAIT</c> counts the writes of the connection it is sent on, so it cannot move to a connection of its own: it goes
/// to the server that owns the event's slot, through the one connection the client keeps to it.
/// </remarks>
public sealed class ReplicaAcknowledgement(IConnectionMultiplexer redis, IOptions<AdmissionOptions> options)
{
    private readonly ConcurrentDictionary<EndPoint, Primary> _primaries = new();

    private bool Enabled => options.Value.ReplicaAcks > 0;

    /// <summary>Whether enough replicas hold every write this instance made on the event's primary before the call.</summary>
    public async Task<bool> WaitAsync(string eventId)
    {
        if (!Enabled) return true;
        IServer server;
        try
        {
            server = redis.GetServer((RedisKey)EventKeys.Meta(eventId));
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex) || ex is NotSupportedException)
        {
            // No primary owns the slot right now (a failover under way): the write is not known to be anywhere else.
            return false;
        }
        return await _primaries.GetOrAdd(server.EndPoint, _ => new Primary()).WaitAsync(server, options.Value);
    }

    private sealed class Primary
    {
        private readonly SemaphoreSlim _sender = new(1, 1);
        private long _tickets;
        private long _coveredUpTo;
        private bool _lastAcknowledged;

        public async Task<bool> WaitAsync(IServer server, AdmissionOptions settings)
        {
            var ticket = Interlocked.Increment(ref _tickets);
            await _sender.WaitAsync();
            try
            {
                // A WAIT sent after our write already answered for it.
                if (_coveredUpTo >= ticket) return _lastAcknowledged;
                var upTo = Interlocked.Read(ref _tickets);
                try
                {
                    var acknowledged = (long)await server.ExecuteAsync("WAIT", settings.ReplicaAcks, (long)settings.ReplicaTimeout.TotalMilliseconds);
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
}
