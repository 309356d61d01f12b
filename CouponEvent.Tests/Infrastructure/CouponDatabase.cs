using MySqlConnector;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>What the tests ask MySQL: the outcome the user cares about is rows.</summary>
public sealed class CouponDatabase(string connectionString)
{
    public async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

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
            users.Add(reader.GetInt64(0));
            rows++;
        }
        Assert.Equal(rows, users.Count); // one row per user, whatever the schema says
        return users;
    }

    public Task<long> CouponCountAsync(string eventId) =>
        ScalarAsync("SELECT COUNT(*) FROM coupons WHERE event_id = @e", ("@e", eventId));

    /// <summary>Waits until the event has <paramref name="expected"/> coupon rows, then a moment more to catch any extra.</summary>
    public async Task<HashSet<long>> WaitForCouponsAsync(string eventId, int expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (await CouponCountAsync(eventId) < expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        await Task.Delay(300);
        return await CouponUsersAsync(eventId);
    }
}
