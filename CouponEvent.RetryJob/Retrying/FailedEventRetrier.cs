using System.Diagnostics;
using CouponEvent.Data;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace CouponEvent.RetryJob.Retrying;

/// <summary>
/// One round: claims due failed events with <c>FOR UPDATE SKIP LOCKED</c> (replicas take disjoint rows and never
/// wait on each other), issues each coupon idempotently, and resolves, reschedules or parks the row, in one transaction.
/// A replica that dies mid-round rolls back: its rows become claimable again, and a coupon already written
/// stays unique through the (event_id, user_id) key.
/// </summary>
public sealed partial class FailedEventRetrier([FromKeyedServices(DatabaseExtensions.RawSql)] MySqlDataSource dataSource, IOptions<RetryOptions> options, ILogger<FailedEventRetrier> logger)
{
    /// <returns>How many rows were claimed.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var claimed = new List<(long Id, Guid ApplicationId, string EventId, long UserId, int Attempts, string? TraceParent)>();
        await using (var select = new MySqlCommand("""
            SELECT id, application_id, event_id, user_id, attempts, trace_parent FROM failed_events
            WHERE status = 0 AND next_attempt_at <= UTC_TIMESTAMP(6)
            ORDER BY next_attempt_at LIMIT @batch
            FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("@batch", settings.BatchSize);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                claimed.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        foreach (var row in claimed)
        {
            var attempts = row.Attempts + 1;
            using var span = StartRetrySpan(row.TraceParent, row.ApplicationId, row.EventId, row.UserId, attempts);
            try
            {
                await using var insert = new MySqlCommand("""
                    INSERT INTO coupons (event_id, user_id, application_id, issued_at)
                    VALUES (@e, @u, @a, UTC_TIMESTAMP(6))
                    ON DUPLICATE KEY UPDATE id = id
                    """, connection, transaction);
                insert.Parameters.AddWithValue("@e", row.EventId);
                insert.Parameters.AddWithValue("@u", row.UserId);
                insert.Parameters.AddWithValue("@a", row.ApplicationId.ToString());
                await insert.ExecuteNonQueryAsync(cancellationToken);

                await UpdateAsync(connection, transaction, row.Id, "status = 1", null, cancellationToken);
                RetryJobTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("result", "issued"));
                span?.SetTag("coupon.retry.result", "issued");
                LogIssued(logger, row.ApplicationId, row.EventId, row.UserId, attempts);
            }
            catch (MySqlException ex) when (ex.ErrorCode is not (MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout)
                                            && !ex.IsTransient)
            {
                // The statement failed on its own (MySQL keeps the transaction): note the attempt.
                var parked = attempts >= settings.MaxAttempts;
                var delayMicroseconds = (long)settings.DelayAfter(attempts).TotalMicroseconds;
                await UpdateAsync(connection, transaction, row.Id,
                    parked ? "status = 2" : $"next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL {delayMicroseconds} MICROSECOND",
                    ex.Message, cancellationToken);
                RetryJobTelemetry.Retries.Add(1, new KeyValuePair<string, object?>("result", parked ? "parked" : "rescheduled"));
                span?.SetTag("coupon.retry.result", parked ? "parked" : "rescheduled");
                span?.SetStatus(ActivityStatusCode.Error, ex.Message);
                if (parked) LogParked(logger, row.ApplicationId, row.EventId, row.UserId, attempts, ex.Message);
                else LogRescheduled(logger, row.ApplicationId, attempts, ex.Message);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return claimed.Count;
    }

    /// <summary>
    /// A span per attempt, in the application's own trace (the Consumer stored its span's <c>traceparent</c> with the
    /// failed event), so one trace tells an application's whole story, retries included.
    /// </summary>
    private static Activity? StartRetrySpan(string? traceParent, Guid applicationId, string eventId, long userId, int attempt)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        var span = RetryJobTelemetry.Source.StartActivity("failed_event retry", ActivityKind.Internal, parent);
        span?.SetTag("coupon.event_id", eventId);
        span?.SetTag("coupon.user_id", userId);
        span?.SetTag("coupon.application_id", applicationId.ToString());
        span?.SetTag("coupon.retry.attempt", attempt);
        return span;
    }

    /// <summary>Counts the open failed events for the gauge that alerts on parked ones.</summary>
    public async Task CountOpenAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var count = new MySqlCommand(
            "SELECT COALESCE(SUM(status = 0), 0), COALESCE(SUM(status = 2), 0) FROM failed_events WHERE status IN (0, 2)", connection);
        await using var reader = await count.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        RetryJobTelemetry.SetOpen(Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)));
    }

    private static async Task UpdateAsync(MySqlConnection connection, MySqlTransaction transaction, long id,
        string change, string? error, CancellationToken cancellationToken)
    {
        await using var update = new MySqlCommand($"""
            UPDATE failed_events SET {change}, attempts = attempts + 1, error = COALESCE(@error, error), updated_at = UTC_TIMESTAMP(6)
            WHERE id = @id
            """, connection, transaction);
        update.Parameters.AddWithValue("@id", id);
        update.Parameters.AddWithValue("@error", error is { Length: > 2000 } ? error[..2000] : error);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(3001, LogLevel.Information, "Issued application {ApplicationId} (user {UserId}, event {EventId}) on attempt {Attempts}")]
    private static partial void LogIssued(ILogger logger, Guid applicationId, string eventId, long userId, int attempts);

    [LoggerMessage(3002, LogLevel.Warning, "Application {ApplicationId} failed attempt {Attempts}: {Reason}")]
    private static partial void LogRescheduled(ILogger logger, Guid applicationId, int attempts, string reason);

    [LoggerMessage(3003, LogLevel.Error, "Application {ApplicationId} (user {UserId}, event {EventId}) parked after {Attempts} attempts: {Reason}")]
    private static partial void LogParked(ILogger logger, Guid applicationId, string eventId, long userId, int attempts, string reason);
}
