using System.Diagnostics;
using CouponEvent.ApplyApi.Apis;
using CouponEvent.ApplyApi.Events;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>One application's fate: its outcome and, once Redis was asked, its id and, when admitted, its position.</summary>
/// <param name="UserId">The applicant (its token's subject); empty when refused before its token was validated.</param>
/// <param name="Detail">What the problem's detail says for an outcome decided before Redis (a bad request or token, a rate).</param>
/// <param name="Field">The request's field at fault, for a bad request: the problem's <c>errors</c> names it.</param>
public readonly record struct ApplyResult(ApplyOutcome Outcome, string EventId, string UserId, Guid ApplicationId = default,
    long Position = 0, string? Detail = null, string? Field = null);

/// <summary>
/// Decides one application: who applies (the bearer token's subject), then from memory when this instance already
/// knows the answer, else by Redis's admission function, then by Redis's replicas and Kafka's acknowledgement. Every
/// answer is counted by its outcome (<see cref="ApplyOutcomes"/>), the one table that gives it a status and a problem.
/// </summary>
public sealed class ApplyUseCase(RememberedAnswers remembered, EventAdmission admission, ReplicaAcknowledgement replicas,
    ApplicationPublisher publisher, KnownEvents known, ApplicantAuthentication applicants, ApplicantRateLimiter limiter, IServiceScopeFactory scopes,
    TimeProvider time, ILogger<ApplyUseCase> logger)
{
    public async ValueTask<ApplyResult> ApplyAsync(string eventId, HttpContext http)
    {
        // Searchable on the request's span: who applied, to what, and (once Redis is asked) under which application id.
        var span = Activity.Current;
        span?.SetTag("coupon.event_id", eventId);

        // "Sold out" is the same answer for everyone who did not win and says nothing private, so it is given on the
        // subject the token claims, before its signature is checked: the burst of latecomers costs no validation. A
        // winner's 409 is private: that token is validated, and one that fails gets the same 410 as everyone else.
        var claimed = ApplicantAuthentication.ClaimedSubject(http.Request);
        var soldOut = claimed is not null && remembered.AnswersSoldOut(eventId);
        if (soldOut && !remembered.IsSoldOutWinner(eventId, claimed!)) return Counted(new(ApplyOutcome.SoldOut, eventId, ""));

        var applicant = await applicants.AuthenticateAsync(http);
        if (applicant.Subject is not { } userId)
        {
            if (soldOut) return Counted(new(ApplyOutcome.SoldOut, eventId, ""));
            if (applicant.Challenge is { } challenge) http.Response.Headers.WWWAuthenticate = challenge;
            return Counted(new(applicant.Refusal, eventId, "", Detail: applicant.Detail));
        }
        span?.SetTag("coupon.user_id", userId);
        if (limiter.TryAcquire(userId, http.Response) is { } wait) return Counted(new(ApplyOutcome.RateLimited, eventId, userId, Detail: wait));

        var changesBefore = remembered.Changes;
        // A repeat by a known winner, or the burst after the last coupon: answered from memory, Redis is not asked.
        if (remembered.Answer(eventId, userId) is { } answer) return Counted(new(answer, eventId, userId));

        var applicationId = ApplicationIds.New();
        span?.SetTag("coupon.application_id", applicationId.ToString());
        ApplyOutcome outcome;
        long position;
        try
        {
            (outcome, position) = await admission.AdmitAsync(eventId, userId, applicationId);
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            // The function may have run before the connection failed (and a replica promoted since keeps what it did).
            // Nothing was published, so freeing is safe; "nothing recorded" is said only once the freeing is confirmed.
            ApplyApiLog.RedisFailed(logger, applicationId, eventId, userId, ex.Message);
            var refused = RedisClientDefaults.NeverRan(ex)
                ? ApplyOutcome.RedisUnavailable
                : await ReleasedOrUnknownAsync(ApplyOutcome.RedisUnavailable, eventId, userId, applicationId);
            return Counted(new(refused, eventId, userId, applicationId), known.Contains(eventId));
        }

        switch (outcome)
        {
            case ApplyOutcome.SoldOut:
                remembered.LearnSoldOut(eventId);
                return Counted(new(outcome, eventId, userId, applicationId));
            case ApplyOutcome.AlreadyApplied:
                remembered.RememberWinner(eventId, userId, changesBefore);
                return Counted(new(outcome, eventId, userId, applicationId));
            case ApplyOutcome.UnknownEvent when known.SettledReason(eventId) is { } reason:
                // Settled: its keys left Redis, and MySQL holds its winners. Nobody is admitted to it again.
                return Counted(new(await SettledAnswerAsync(eventId, userId, reason), eventId, userId, applicationId));
            case ApplyOutcome.UnknownEvent when known.Contains(eventId):
                // Redis lost the event: it is being rebuilt from MySQL, and deciding now could reopen sold slots.
                return Counted(new(ApplyOutcome.Recovering, eventId, userId, applicationId));
            case not ApplyOutcome.Admitted:
                return Counted(new(outcome, eventId, userId, applicationId));
        }

        if (!await replicas.WaitAsync(eventId))
        {
            // Not on enough replicas in time: a failover could lose it, so it is not promised.
            ApplyApiLog.ReplicasDidNotAcknowledge(logger, applicationId, eventId, userId);
            return Counted(new(await ReleasedOrUnknownAsync(ApplyOutcome.ReplicasUnavailable, eventId, userId, applicationId), eventId, userId, applicationId));
        }

        var application = CouponApplication.Create(applicationId, eventId, userId, time.GetUtcNow());
        switch (await publisher.PublishAsync(application))
        {
            case PublishOutcome.Acknowledged:
                remembered.RememberWinner(eventId, userId, changesBefore);
                return Counted(new(ApplyOutcome.Admitted, eventId, userId, applicationId, position));
            case PublishOutcome.NotPersisted:
                ApplyApiLog.PublishFailed(logger, applicationId, eventId, userId);
                return Counted(new(await ReleasedOrUnknownAsync(ApplyOutcome.KafkaRefused, eventId, userId, applicationId), eventId, userId, applicationId));
            default:
                // Kafka may hold it: the slot is kept for good (reconciliation issues it if Kafka never got it), the only
                // choice that can neither issue a coupon twice nor give a promise's slot to someone else.
                ApplyApiLog.PublishOutcomeUnknown(logger, applicationId, eventId, userId);
                await TryMarkPendingAsync(eventId, userId, applicationId);
                return Counted(new(ApplyOutcome.OutcomeUnknown, eventId, userId, applicationId));
        }
    }

    /// <summary>
    /// A settled event's answer, as Redis gave it while the event was live: closed for everyone once the window closed;
    /// else sold out, or 409 to a winner (one indexed MySQL read: a settled event is past its burst).
    /// </summary>
    private async Task<ApplyOutcome> SettledAnswerAsync(string eventId, string userId, string reason)
    {
        if (reason == SettledReasons.Closed) return ApplyOutcome.Closed;
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EventCatalog>().HoldsCouponAsync(eventId, userId, CancellationToken.None)
            ? ApplyOutcome.AlreadyApplied
            : ApplyOutcome.SoldOut;
    }

    /// <summary>Counts an application refused before it was read (a bad event id or body, over the client's rate).</summary>
    public static ApplyResult Refused(ApplyOutcome outcome, string eventId, string detail, string? field = null) =>
        Counted(new(outcome, eventId, "", Detail: detail, Field: field));

    /// <summary>Counts the answer by outcome, and by event where the table says so and Redis knew the event.</summary>
    private static ApplyResult Counted(ApplyResult result, bool eventExists = true)
    {
        var answer = ApplyOutcomes.Of(result.Outcome);
        ApplyApiTelemetry.Count(answer.Metric, answer.PerEvent && eventExists ? result.EventId : null);
        return result;
    }

    /// <summary>
    /// Frees the slot the application may hold, and answers <paramref name="refused"/> ("nothing was recorded") once Redis
    /// confirms it, on as many replicas as an admission needs. Unconfirmed, the slot may stay the application's (and its
    /// coupon come from reconciliation), so the answer is <see cref="ApplyOutcome.AdmissionUnknown"/>, which promises
    /// neither.
    /// </summary>
    private async Task<ApplyOutcome> ReleasedOrUnknownAsync(ApplyOutcome refused, string eventId, string userId, Guid applicationId)
    {
        try
        {
            await admission.ReleaseAsync(eventId, userId, applicationId);
            if (await replicas.WaitAsync(eventId)) return refused;
            ApplyApiLog.ReleaseFailed(logger, applicationId, eventId, userId, "its replicas did not acknowledge the release");
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            ApplyApiLog.ReleaseFailed(logger, applicationId, eventId, userId, ex.Message);
        }
        return ApplyOutcome.AdmissionUnknown;
    }

    /// <summary>Records an admission whose publish outcome is unknown, best effort: reconciliation finds it either way.</summary>
    private async Task TryMarkPendingAsync(string eventId, string userId, Guid applicationId)
    {
        try
        {
            await admission.MarkPendingAsync(eventId, userId, applicationId);
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            ApplyApiLog.MarkPendingFailed(logger, applicationId, eventId, userId, ex.Message);
        }
    }
}
