using System.Data;
using System.Text;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using MySqlConnector;

namespace CouponEvent.Data;

/// <summary>
/// The one place coupons are written (the Consumer's batches, the RetryJob's retries and reconciliation); failed
/// events are <see cref="FailedEventStore"/>'s.
/// </summary>
/// <remarks>
/// MySQL is the last line of defence against over-issue, whatever Redis says: a trigger on <c>coupons</c> keeps
/// <c>events.issued</c>, and the constraint <see cref="QuantityConstraint"/> caps it at the quantity, so no statement
/// from any writer can commit coupon N+1. Writers lock their events' rows first (in id order, so they never
/// deadlock each other), which serialises the writers of one event; then the applications that fit are inserted
/// and the ones that do not are returned, to be kept as refused failed events.
/// </remarks>
public static class CouponIssuer
{
    /// <summary>The check constraint <c>issued BETWEEN 0 AND quantity</c> on <c>events</c>.</summary>
    public const string QuantityConstraint = "CK_events_issued_within_quantity";

    /// <summary>Read committed: the event rows' locks serialise the writers; no gap locks to deadlock on.</summary>
    public const IsolationLevel Isolation = IsolationLevel.ReadCommitted;

    /// <summary>Locks the rows of these events for the transaction, in id order; returns each one's quantity and issued count.</summary>
    public static async Task<Dictionary<string, (int Quantity, int Issued)>> LockEventsAsync(MySqlConnection connection,
        MySqlTransaction transaction, IEnumerable<string> eventIds, CancellationToken cancellationToken)
    {
        var ids = eventIds.Distinct().Order(StringComparer.Ordinal).ToList();
        var events = new Dictionary<string, (int, int)>(ids.Count);
        if (ids.Count == 0) return events;
        await using var command = new MySqlCommand(
            $"SELECT id, quantity, issued FROM events WHERE id IN ({Parameters("@e", ids.Count)}) ORDER BY id FOR UPDATE",
            connection, transaction);
        for (var i = 0; i < ids.Count; i++) command.Parameters.AddWithValue($"@e{i}", ids[i]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) events[reader.GetString(0)] = (reader.GetInt32(1), reader.GetInt32(2));
        return events;
    }

    /// <summary>
    /// Issues what fits: each event's new applications up to its coupons left, earliest admissions first. A redelivered
    /// application hits the (event_id, user_id) key and changes nothing; <c>ON DUPLICATE KEY</c> (not <c>INSERT IGNORE</c>)
    /// lets every other error through (an application of a missing event fails the whole statement with a foreign-key error).
    /// </summary>
    /// <returns>How many coupons were new, and the applications refused because their event was full.</returns>
    public static async Task<(int Issued, List<CouponApplication> Refused)> IssueAsync(MySqlConnection connection,
        MySqlTransaction transaction, IReadOnlyList<CouponApplication> applications, CancellationToken cancellationToken)
    {
        var refused = new List<CouponApplication>();
        if (applications.Count == 0) return (0, refused);
        var events = await LockEventsAsync(connection, transaction, applications.Select(a => a.EventId), cancellationToken);

        var accepted = new List<CouponApplication>(applications.Count);
        foreach (var group in applications.DistinctBy(a => (a.EventId, a.UserId)).GroupBy(a => a.EventId))
        {
            if (!events.TryGetValue(group.Key, out var e))
            {
                accepted.AddRange(group);
                continue;
            }
            var candidates = group.ToList();
            var room = e.Quantity - e.Issued;
            if (candidates.Count <= room)
            {
                accepted.AddRange(candidates);
                continue;
            }
            // Possibly over: only new users count against the room (a redelivery is no coupon more).
            var existing = await ExistingUsersAsync(connection, transaction, group.Key, candidates, cancellationToken);
            var (fits, over) = FitUnderQuantity(candidates.Where(a => !existing.Contains(a.UserId)), e.Quantity, e.Issued);
            accepted.AddRange(fits);
            refused.AddRange(over);
        }
        if (accepted.Count == 0) return (0, refused);

        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        var sql = new StringBuilder("INSERT INTO coupons (event_id, user_id, application_id, issued_at) VALUES ");
        for (var i = 0; i < accepted.Count; i++)
        {
            if (i > 0) sql.Append(',');
            sql.Append($"(@e{i},@u{i},@a{i},UTC_TIMESTAMP(6))");
            insert.Parameters.AddWithValue($"@e{i}", accepted[i].EventId);
            insert.Parameters.AddWithValue($"@u{i}", accepted[i].UserId);
            insert.Parameters.AddWithValue($"@a{i}", accepted[i].ApplicationId.ToString());
        }
        sql.Append(" ON DUPLICATE KEY UPDATE id = id");
        insert.CommandText = sql.ToString();
        // MySQL counts 1 per inserted row and 0 per unchanged duplicate (MySqlConnector's default: affected rows).
        return (await insert.ExecuteNonQueryAsync(cancellationToken), refused);
    }

    /// <summary>
    /// New applications of one event against the coupons it has left: the earliest admissions fit, the rest are refused
    /// (none fits when the event is full, or over its quantity already).
    /// </summary>
    public static (List<CouponApplication> Fits, List<CouponApplication> Refused) FitUnderQuantity(IEnumerable<CouponApplication> fresh,
        int quantity, int issued)
    {
        var ordered = fresh.OrderBy(a => a.AdmittedAt).ToList();
        var room = Math.Clamp(quantity - issued, 0, ordered.Count);
        return (ordered[..room], ordered[room..]);
    }

    /// <summary>What a refused application's failed event says.</summary>
    public static string RefusedReason(string eventId) =>
        $"Refused by MySQL's quantity guard: every coupon of event '{eventId}' is issued (Redis admitted more than the quantity).";

    /// <summary>
    /// Errors in the data of one application, which no retry of the same statement can fix
    /// (its event is missing, a value does not fit). Everything else (the server away, timeouts, deadlocks)
    /// is treated as passing and retried.
    /// </summary>
    public static bool IsPermanent(MySqlException ex) => ex.ErrorCode is
        MySqlErrorCode.NoReferencedRow or MySqlErrorCode.NoReferencedRow2 or
        MySqlErrorCode.DataTooLong or MySqlErrorCode.WarningDataOutOfRange or
        MySqlErrorCode.TruncatedWrongValueForField or MySqlErrorCode.ColumnCannotBeNull;

    private static async Task<HashSet<string>> ExistingUsersAsync(MySqlConnection connection, MySqlTransaction transaction,
        string eventId, List<CouponApplication> candidates, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            $"SELECT user_id FROM coupons WHERE event_id = @event AND user_id IN ({Parameters("@u", candidates.Count)})", connection, transaction);
        command.Parameters.AddWithValue("@event", eventId);
        for (var i = 0; i < candidates.Count; i++) command.Parameters.AddWithValue($"@u{i}", candidates[i].UserId);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) existing.Add(reader.GetString(0));
        return existing;
    }

    private static string Parameters(string prefix, int count) => string.Join(",", Enumerable.Range(0, count).Select(i => $"{prefix}{i}"));
}
