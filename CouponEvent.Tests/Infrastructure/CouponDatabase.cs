using System.Text;
using CouponEvent.Data.Model;
using MySqlConnector;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>What the tests ask MySQL: the outcome the user cares about is rows.</summary>
/// <param name="kafkaBootstrapServers">The stack's Kafka, to know when the Consumer has written everything published.</param>
public sealed class CouponDatabase(string connectionString, string kafkaBootstrapServers)
{
    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>One value of one row, read by the event's id (<c>@e</c>); null when there is none.</summary>
    private async Task<object?> ValueAsync(string sql, string eventId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        command.Parameters.AddWithValue("@e", eventId);
        return await command.ExecuteScalarAsync() is { } value and not DBNull ? value : null;
    }

    public async Task<DateTime?> DateTimeAsync(string sql, string eventId) => (DateTime?)await ValueAsync(sql, eventId);

    public async Task<string?> StringAsync(string sql, string eventId) => (string?)await ValueAsync(sql, eventId);

    public async Task<HashSet<long>> CouponUsersAsync(string eventId)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT user_id FROM coupons WHERE event_id = @e", connection);
        command.Parameters.AddWithValue("@e", eventId);
        await using var reader = await command.ExecuteReaderAsync();
        var users = new HashSet<long>();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            users.Add(long.Parse(reader.GetString(0), System.Globalization.CultureInfo.InvariantCulture));
            rows++;
        }
        Assert.Equal(rows, users.Count); // one row per user, whatever the schema says
        return users;
    }

    /// <summary>The coupon rows' applicants as MySQL holds them, in ordinal order.</summary>
    public async Task<List<string>> CouponSubjectsAsync(string eventId) =>
        [.. (await StringsAsync("SELECT user_id FROM coupons WHERE event_id = @e", ("@e", eventId))).Order(StringComparer.Ordinal)];

    /// <summary>The first column of every row.</summary>
    public async Task<List<string>> StringsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }

    public Task<long> CouponCountAsync(string eventId) =>
        ScalarAsync("SELECT COUNT(*) FROM coupons WHERE event_id = @e", ("@e", eventId));

    /// <summary>Failed events as the Consumer records them (one attempt made, due now), or in another state.</summary>
    public async Task InsertFailedEventsAsync(string eventId, IEnumerable<(long UserId, Guid ApplicationId)> applications,
        FailedEventStatus status = FailedEventStatus.Pending, int attempts = 1, TimeSpan dueIn = default)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand { Connection = connection };
        var values = new StringBuilder();
        foreach (var (i, (userId, applicationId)) in applications.Index())
        {
            values.Append(i == 0 ? "" : ",").Append($"(@a{i}, @e, @u{i}, 'injected by a test', @attempts, @status, @due, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))");
            command.Parameters.AddWithValue($"@a{i}", applicationId.ToString());
            command.Parameters.AddWithValue($"@u{i}", userId);
        }
        command.CommandText = $"""
            INSERT INTO failed_events (application_id, event_id, user_id, error, attempts, status, next_attempt_at, created_at, updated_at)
            VALUES {values}
            """;
        command.Parameters.AddWithValue("@e", eventId);
        command.Parameters.AddWithValue("@attempts", attempts);
        command.Parameters.AddWithValue("@status", (int)status);
        command.Parameters.AddWithValue("@due", DateTime.UtcNow + dueIn);
        await command.ExecuteNonQueryAsync();
    }

    public Task InsertFailedEventsAsync(string eventId, IEnumerable<long> users,
        FailedEventStatus status = FailedEventStatus.Pending, int attempts = 1, TimeSpan dueIn = default) =>
        InsertFailedEventsAsync(eventId, users.Select(u => (u, Guid.CreateVersion7())), status, attempts, dueIn);

    public Task<long> FailedEventCountAsync(string eventId, FailedEventStatus status, int? attempts = null) =>
        ScalarAsync("SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND status = @s AND (@a IS NULL OR attempts = @a)",
            ("@e", eventId), ("@s", (int)status), ("@a", (object?)attempts ?? DBNull.Value));

    /// <summary>
    /// Waits until the event has <paramref name="expected"/> coupon rows and the Consumer has committed past every
    /// message published by then, so that any extra row would be counted too; returns the users with a coupon.
    /// </summary>
    /// <summary>As <see cref="WaitForCouponsAsync"/>, for applicants that are not numbers: their subjects, in ordinal order.</summary>
    public async Task<List<string>> WaitForCouponSubjectsAsync(string eventId, int expected, TimeSpan? timeout = null)
    {
        await WaitForCouponsAsync(eventId, expected, timeout, read: false);
        return await CouponSubjectsAsync(eventId);
    }

    public async Task<HashSet<long>> WaitForCouponsAsync(string eventId, int expected, TimeSpan? timeout = null) =>
        (await WaitForCouponsAsync(eventId, expected, timeout, read: true))!;

    private async Task<HashSet<long>?> WaitForCouponsAsync(string eventId, int expected, TimeSpan? timeout, bool read)
    {
        try
        {
            await Eventually.HoldsAsync(async () => await CouponCountAsync(eventId) >= expected, timeout);
        }
        catch (TimeoutException)
        {
            // The assertion on the rows says what is missing better than a timeout does.
        }
        await ConsumerProgress.WaitUntilCaughtUpAsync(kafkaBootstrapServers, timeout);
        return read ? await CouponUsersAsync(eventId) : null;
    }
}
