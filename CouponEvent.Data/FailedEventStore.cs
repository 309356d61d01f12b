using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using MySqlConnector;

namespace CouponEvent.Data;

/// <summary>
/// The <c>failed_events</c> table's writes and the RetryJob's reads: record, claim, resolve, refuse, reschedule, park,
/// redrive and count. Statuses are parameters (<see cref="FailedEventStatus"/>), never numbers in the SQL text.
/// The admin API lists rows through EF Core.
/// </summary>
public static class FailedEventStore
{
    /// <summary>A row claimed for a retry, locked until its transaction ends.</summary>
    public sealed record Claimed(long Id, Guid ApplicationId, string EventId, string UserId, int Attempts, string? TraceParent);

    /// <summary>Records an application that did not become a coupon. Idempotent on the application id.</summary>
    public static async Task RecordAsync(MySqlConnection connection, MySqlTransaction? transaction, CouponApplication application,
        FailedEventStatus status, string error, string? traceParent, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("""
            INSERT INTO failed_events (application_id, event_id, user_id, error, attempts, status, next_attempt_at, created_at, updated_at, trace_parent)
            VALUES (@a, @e, @u, @error, 1, @status, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), @trace)
            ON DUPLICATE KEY UPDATE id = id
            """, connection, transaction);
        command.Parameters.AddWithValue("@a", application.ApplicationId.ToString());
        command.Parameters.AddWithValue("@e", application.EventId);
        command.Parameters.AddWithValue("@u", application.UserId);
        command.Parameters.AddWithValue("@error", Truncate(error));
        command.Parameters.AddWithValue("@status", (int)status);
        command.Parameters.AddWithValue("@trace", traceParent);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> due pending rows with <c>FOR UPDATE SKIP LOCKED</c>: replicas take
    /// disjoint rows and never wait on each other.
    /// </summary>
    public static async Task<List<Claimed>> ClaimDueAsync(MySqlConnection connection, MySqlTransaction transaction, int batchSize,
        CancellationToken cancellationToken)
    {
        await using var select = new MySqlCommand("""
            SELECT id, application_id, event_id, user_id, attempts, trace_parent FROM failed_events
            WHERE status = @pending AND next_attempt_at <= UTC_TIMESTAMP(6)
            ORDER BY next_attempt_at LIMIT @batch
            FOR UPDATE SKIP LOCKED
            """, connection, transaction);
        select.Parameters.AddWithValue("@pending", (int)FailedEventStatus.Pending);
        select.Parameters.AddWithValue("@batch", batchSize);
        var claimed = new List<Claimed>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            claimed.Add(new Claimed(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        return claimed;
    }

    /// <summary>The coupon was issued by this attempt.</summary>
    public static Task ResolveAsync(MySqlConnection connection, MySqlTransaction transaction, long id, CancellationToken cancellationToken) =>
        UpdateAsync(connection, transaction, id, FailedEventStatus.Resolved, TimeSpan.Zero, null, cancellationToken);

    /// <summary>MySQL's quantity guard refused it: kept for an operator, never retried.</summary>
    public static Task RefuseAsync(MySqlConnection connection, MySqlTransaction transaction, long id, string reason,
        CancellationToken cancellationToken) =>
        UpdateAsync(connection, transaction, id, FailedEventStatus.Refused, TimeSpan.Zero, reason, cancellationToken);

    /// <summary>This attempt failed: the next one after <paramref name="delay"/>.</summary>
    public static Task RescheduleAsync(MySqlConnection connection, MySqlTransaction transaction, long id, TimeSpan delay, string error,
        CancellationToken cancellationToken) =>
        UpdateAsync(connection, transaction, id, FailedEventStatus.Pending, delay, error, cancellationToken);

    /// <summary>Out of attempts: kept for an operator, never dropped.</summary>
    public static Task ParkAsync(MySqlConnection connection, MySqlTransaction transaction, long id, string error,
        CancellationToken cancellationToken) =>
        UpdateAsync(connection, transaction, id, FailedEventStatus.Parked, TimeSpan.Zero, error, cancellationToken);

    /// <summary>A parked row pending again with fresh attempts, due now.</summary>
    /// <returns>False when the row is not (or no longer) parked.</returns>
    public static async Task<bool> RedriveAsync(MySqlConnection connection, long id, CancellationToken cancellationToken)
    {
        await using var update = new MySqlCommand("""
            UPDATE failed_events SET status = @pending, attempts = 0, next_attempt_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6)
            WHERE id = @id AND status = @parked
            """, connection);
        update.Parameters.AddWithValue("@id", id);
        update.Parameters.AddWithValue("@pending", (int)FailedEventStatus.Pending);
        update.Parameters.AddWithValue("@parked", (int)FailedEventStatus.Parked);
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Rows by status, resolved ones left out.</summary>
    public static async Task<Dictionary<FailedEventStatus, long>> CountOpenAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var count = new MySqlCommand(
            "SELECT status, COUNT(*) FROM failed_events WHERE status <> @resolved GROUP BY status", connection);
        count.Parameters.AddWithValue("@resolved", (int)FailedEventStatus.Resolved);
        await using var reader = await count.ExecuteReaderAsync(cancellationToken);
        var open = new Dictionary<FailedEventStatus, long>();
        while (await reader.ReadAsync(cancellationToken)) open[(FailedEventStatus)reader.GetInt32(0)] = reader.GetInt64(1);
        return open;
    }

    /// <summary>An error as the <c>error</c> column holds it (2,000 characters at most).</summary>
    public static string Truncate(string error) => error.Length > 2000 ? error[..2000] : error;

    /// <summary>One attempt's outcome: the new status, when next (pending only), attempts counted, the error if any.</summary>
    private static async Task UpdateAsync(MySqlConnection connection, MySqlTransaction transaction, long id, FailedEventStatus status,
        TimeSpan delay, string? error, CancellationToken cancellationToken)
    {
        await using var update = new MySqlCommand("""
            UPDATE failed_events SET status = @status, attempts = attempts + 1, error = COALESCE(@error, error), updated_at = UTC_TIMESTAMP(6),
                next_attempt_at = IF(@status = @pending, UTC_TIMESTAMP(6) + INTERVAL @delay MICROSECOND, next_attempt_at)
            WHERE id = @id
            """, connection, transaction);
        update.Parameters.AddWithValue("@id", id);
        update.Parameters.AddWithValue("@status", (int)status);
        update.Parameters.AddWithValue("@pending", (int)FailedEventStatus.Pending);
        update.Parameters.AddWithValue("@delay", (long)delay.TotalMicroseconds);
        update.Parameters.AddWithValue("@error", error is null ? null : Truncate(error));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
