using CouponEvent.Data;
using System.Text;
using CouponEvent.Data.Messages;
using MySqlConnector;

namespace CouponEvent.Consumer.Issuing;

/// <summary>Writes coupons, and failed events for the applications that cannot become one.</summary>
public sealed class CouponWriter([FromKeyedServices(DatabaseExtensions.RawSql)] MySqlDataSource dataSource)
{
    /// <summary>
    /// One multi-row INSERT for the whole batch. A redelivered application hits the (event_id, user_id) key
    /// and changes nothing; <c>ON DUPLICATE KEY</c> (not <c>INSERT IGNORE</c>) lets every other error through.
    /// </summary>
    /// <returns>How many coupons were new.</returns>
    public async Task<int> InsertAsync(IReadOnlyList<CouponApplication> applications, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder("INSERT INTO coupons (event_id, user_id, application_id, issued_at) VALUES ");
        for (var i = 0; i < applications.Count; i++)
        {
            if (i > 0) sql.Append(',');
            sql.Append($"(@e{i},@u{i},@a{i},UTC_TIMESTAMP(6))");
            command.Parameters.AddWithValue($"@e{i}", applications[i].EventId);
            command.Parameters.AddWithValue($"@u{i}", applications[i].UserId);
            command.Parameters.AddWithValue($"@a{i}", applications[i].ApplicationId.ToString());
        }
        sql.Append(" ON DUPLICATE KEY UPDATE id = id");
        command.CommandText = sql.ToString();
        // MySQL counts 1 per inserted row and 0 per unchanged duplicate.
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records an application for the RetryJob. Idempotent on the application id.</summary>
    public async Task RecordFailureAsync(CouponApplication application, string error, string? traceParent, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand("""
            INSERT INTO failed_events (application_id, event_id, user_id, error, attempts, status, next_attempt_at, created_at, updated_at, trace_parent)
            VALUES (@a, @e, @u, @error, 1, 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), @trace)
            ON DUPLICATE KEY UPDATE id = id
            """, connection);
        command.Parameters.AddWithValue("@a", application.ApplicationId.ToString());
        command.Parameters.AddWithValue("@e", application.EventId);
        command.Parameters.AddWithValue("@u", application.UserId);
        command.Parameters.AddWithValue("@error", error.Length > 2000 ? error[..2000] : error);
        command.Parameters.AddWithValue("@trace", traceParent);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Errors in the data of one application, which no retry of the same statement can fix
    /// (its event is missing, a value does not fit). Everything else (the server away, timeouts, deadlocks)
    /// is treated as passing and retried.
    /// </summary>
    public static bool IsPermanent(MySqlException ex) => ex.ErrorCode is
        MySqlErrorCode.NoReferencedRow or MySqlErrorCode.NoReferencedRow2 or
        MySqlErrorCode.DataTooLong or MySqlErrorCode.WarningDataOutOfRange or
        MySqlErrorCode.TruncatedWrongValueForField or MySqlErrorCode.ColumnCannotBeNull;
}
