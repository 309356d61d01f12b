using System.Diagnostics;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>The hot path's Redis: admit an application, free or mark its slot, and read whether a user holds one.</summary>
public sealed class EventAdmission(IConnectionMultiplexer redis)
{
    private IDatabase Db => redis.GetDatabase();

    /// <returns>The outcome and, when admitted, the 1-based position.</returns>
    public async Task<(ApplyOutcome Outcome, long Position)> AdmitAsync(string eventId, string userId, Guid applicationId)
    {
        // No Redis instrumentation package is served here: the span is ours, named as OpenTelemetry's database conventions say.
        using var activity = ApplyApiTelemetry.Source.StartActivity("FCALL admit", ActivityKind.Client);
        activity?.SetTag("db.system.name", "redis");
        activity?.SetTag("db.operation.name", "FCALL");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var admitted = await Db.AdmitAsync(eventId, userId, applicationId);
            activity?.SetTag("coupon.admission.outcome", admitted.Outcome.ToString());
            return admitted;
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            ApplyApiTelemetry.AdmissionDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Frees the slot that <paramref name="applicationId"/> took; idempotent.</summary>
    public Task<bool> ReleaseAsync(string eventId, string userId, Guid applicationId) => Db.ReleaseAsync(eventId, userId, applicationId);

    /// <summary>Marks an admission whose Kafka outcome is unknown, for reconciliation to settle.</summary>
    public async Task MarkPendingAsync(string eventId, string userId, Guid applicationId) =>
        await Db.HashSetAsync(EventKeys.Pending(eventId), userId, applicationId.ToString("N"));
}
