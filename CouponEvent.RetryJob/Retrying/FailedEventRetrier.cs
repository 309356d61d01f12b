using System.Diagnostics;
using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CouponEvent.RetryJob.Retrying;

/// <summary>
/// One round: claims due failed events with <c>FOR UPDATE SKIP LOCKED</c> (replicas take disjoint rows and never
/// wait on each other), issues each coupon idempotently, and resolves, reschedules or parks the row, in one transaction.
/// A replica that dies mid-round rolls back: its rows become claimable again, and a coupon already written
/// stays unique through the (event_id, user_id) key.
/// </summary>
public sealed partial class FailedEventRetrier([FromKeyedServices(DatabaseExtensions.RawSql)] MySqlDataSource dataSource, StatusChanges changes,
    IOptions<RetryOptions> options, ILogger<FailedEventRetrier> logger)
{
    /// <returns>How many rows were claimed.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(CouponIssuer.Isolation, cancellationToken);

        var claimed = await FailedEventStore.ClaimDueAsync(connection, transaction, settings.BatchSize, cancellationToken);
        var decided = new List<(string EventId, string UserId)>();
        // Every event this round writes to, locked now and in id order, as the Consumer does: no deadlock between them.
        await CouponIssuer.LockEventsAsync(connection, transaction, claimed.Select(r => r.EventId), cancellationToken);

        foreach (var row in claimed)
        {
            var attempts = row.Attempts + 1;
            using var span = StartRetrySpan(row.TraceParent, row.ApplicationId, row.EventId, row.UserId, attempts);
            try
            {
                // One application: when it was admitted does not matter, there is nothing to order it against.
                var application = CouponApplication.Create(row.ApplicationId, row.EventId, row.UserId, DateTimeOffset.UnixEpoch);
                var (_, refused) = await CouponIssuer.IssueAsync(connection, transaction, [application], cancellationToken);
                var result = refused.Count > 0 ? "refused" : "issued";
                if (refused.Count > 0)
                {
                    await FailedEventStore.RefuseAsync(connection, transaction, row.Id, CouponIssuer.RefusedReason(row.EventId), cancellationToken);
                    LogRefused(logger, row.ApplicationId, row.EventId, row.UserId);
                }
                else
                {
                    await FailedEventStore.ResolveAsync(connection, transaction, row.Id, cancellationToken);
                    LogIssued(logger, row.ApplicationId, row.EventId, row.UserId, attempts);
                }
                decided.Add((row.EventId, row.UserId));
                RetryJobTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("result", result));
                span?.SetTag("coupon.retry.result", result);
            }
            catch (MySqlException ex) when (ex.ErrorCode is not (MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout)
                                            && !ex.IsTransient)
            {
                // The statement failed on its own (MySQL keeps the transaction): note the attempt.
                var parked = attempts >= settings.MaxAttempts;
                if (parked) await FailedEventStore.ParkAsync(connection, transaction, row.Id, ex.Message, cancellationToken);
                else await FailedEventStore.RescheduleAsync(connection, transaction, row.Id, settings.DelayAfter(attempts), ex.Message, cancellationToken);
                RetryJobTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("result", parked ? "parked" : "rescheduled"));
                span?.SetTag("coupon.retry.result", parked ? "parked" : "rescheduled");
                span?.SetStatus(ActivityStatusCode.Error, ex.Message);
                if (parked) LogParked(logger, row.ApplicationId, row.EventId, row.UserId, attempts, ex.Message);
                else LogRescheduled(logger, row.ApplicationId, attempts, ex.Message);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        // Retrying became issued or refused; a rescheduled or parked application is still retrying.
        changes.Announce(decided);
        return claimed.Count;
    }

    /// <summary>
    /// A span per attempt, in the application's own trace (the Consumer stored its span's <c>traceparent</c> with the
    /// failed event), so one trace tells an application's whole story, retries included.
    /// </summary>
    private static Activity? StartRetrySpan(string? traceParent, Guid applicationId, string eventId, string userId, int attempt)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        var span = RetryJobTelemetry.Source.StartActivity("failed_event retry", ActivityKind.Internal, parent);
        span?.SetTag("coupon.event_id", eventId);
        span?.SetTag("coupon.user_id", userId);
        span?.SetTag("coupon.application_id", applicationId.ToString());
        span?.SetTag("coupon.retry.attempt", attempt);
        return span;
    }

    /// <summary>Counts the open failed events for the gauge that alerts on parked and refused ones.</summary>
    public async Task CountOpenAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        RetryJobTelemetry.SetOpen(await FailedEventStore.CountOpenAsync(connection, cancellationToken));
    }

    [LoggerMessage(3001, LogLevel.Information, "Issued application {ApplicationId} (user {UserId}, event {EventId}) on attempt {Attempts}")]
    private static partial void LogIssued(ILogger logger, Guid applicationId, string eventId, string userId, int attempts);

    [LoggerMessage(3004, LogLevel.Critical, "Application {ApplicationId} (user {UserId}, event {EventId}) refused by MySQL's quantity guard: the event's every coupon is issued. Kept as refused for an operator")]
    private static partial void LogRefused(ILogger logger, Guid applicationId, string eventId, string userId);

    [LoggerMessage(3002, LogLevel.Warning, "Application {ApplicationId} failed attempt {Attempts}: {Reason}")]
    private static partial void LogRescheduled(ILogger logger, Guid applicationId, int attempts, string reason);

    [LoggerMessage(3003, LogLevel.Error, "Application {ApplicationId} (user {UserId}, event {EventId}) parked after {Attempts} attempts: {Reason}")]
    private static partial void LogParked(ILogger logger, Guid applicationId, string eventId, string userId, int attempts, string reason);
}
