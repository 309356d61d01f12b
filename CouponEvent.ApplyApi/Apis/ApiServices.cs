using CouponEvent.ApplyApi.Admission;
using CouponEvent.ApplyApi.Events;
using CouponEvent.Data;
using CouponEvent.ServiceDefaults;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>What the apply handler needs, passed with [AsParameters].</summary>
public sealed class ApplyServices(EventAdmission admission, ReplicaAcknowledgement replicas, RememberedAnswers remembered,
    ApplicationPublisher publisher, KnownEvents known, TimeProvider time, ILogger<ApplyServices> logger)
{
    public ReplicaAcknowledgement Replicas { get; } = replicas;
    public RememberedAnswers Remembered { get; } = remembered;
    public KnownEvents Known { get; } = known;
    public EventAdmission Admission { get; } = admission;
    public ApplicationPublisher Publisher { get; } = publisher;
    public TimeProvider Time { get; } = time;
    public ILogger<ApplyServices> Logger { get; } = logger;

    /// <summary>Frees a slot, best effort: if Redis is away too, the slot stays held and reconciliation settles it.</summary>
    public async Task TryReleaseAsync(string eventId, long userId, Guid applicationId)
    {
        try
        {
            await Admission.ReleaseAsync(eventId, userId, applicationId);
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            ApplyApiLog.ReleaseFailed(Logger, applicationId, eventId, userId, ex.Message);
        }
    }

    /// <summary>Records an admission whose publish outcome is unknown, best effort: reconciliation finds it either way.</summary>
    public async Task TryMarkPendingAsync(string eventId, long userId, Guid applicationId)
    {
        try
        {
            await Admission.MarkPendingAsync(eventId, userId, applicationId);
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            ApplyApiLog.MarkPendingFailed(Logger, applicationId, eventId, userId, ex.Message);
        }
    }
}

/// <summary>What the read handlers need, passed with [AsParameters].</summary>
public sealed class QueryServices(CouponDbContext db, EventAdmission admission)
{
    public CouponDbContext Db { get; } = db;
    public EventAdmission Admission { get; } = admission;
}
