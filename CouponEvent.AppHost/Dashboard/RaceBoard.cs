using CouponEvent.AppHost.Hosting;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using Microsoft.Extensions.Hosting;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.AppHost.Dashboard;

/// <summary>One event's race as the board shows it; admitted from Redis, issued and failed events from MySQL.</summary>
/// <param name="Refused">Applications MySQL's quantity guard refused (202s not honoured): must stay 0.</param>
public sealed record RaceView(string EventId, string Name, int Quantity, long Admitted, long Issued, long Remaining,
    long Retrying, long Parked, long Refused, DateTimeOffset CreatedAt);

/// <summary>
/// Reads the servers of record once a second for the most recent events: admitted (the winners hash in Redis),
/// issued (coupon rows), retrying, parked and refused (failed events). The difference between two readings of the issued
/// count is the issuance timeline. Polling keeps the numbers true even for what no metric reports.
/// </summary>
public sealed class RaceBoard(DistributedApplication app, TimeProvider time) : BackgroundService
{
    public const int ShownEvents = 20;
    private const int KeptSeconds = 600;

    private readonly Dictionary<string, SortedDictionary<long, long>> _issuedPerSecond = [];
    private readonly Dictionary<string, long> _lastIssued = [];
    private readonly Lock _gate = new();
    private IReadOnlyList<RaceView> _races = [];

    /// <summary>Why the board is empty, when it is (servers still starting, say).</summary>
    public string? Problem { get; private set; } = "starting";

    public IReadOnlyList<RaceView> Races
    {
        get { lock (_gate) return _races; }
    }

    public IReadOnlyDictionary<long, long> Issued(string eventId, long since)
    {
        lock (_gate) return _issuedPerSecond.TryGetValue(eventId, out var timeline) ? timeline.Where(t => t.Key >= since).ToDictionary() : [];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (app.Resources.OfType<RedisResource>().SingleOrDefault() is not { } redisResource ||
            app.Resources.OfType<MySqlServerResource>().SingleOrDefault()?.Database is not { } database)
        {
            Problem = "this stack has no Redis or no MySQL database to read";
            return;
        }
        await Task.WhenAll(redisResource.Ready, database.Ready).WaitAsync(stoppingToken);
        using var redis = await ConnectionMultiplexer.ConnectAsync($"{redisResource.ConnectionString},abortConnect=false");

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        do
        {
            try
            {
                await using var mysql = new MySqlConnection(database.ConnectionString);
                await mysql.OpenAsync(stoppingToken);
                var races = await ReadAsync(mysql, redis.GetDatabase(), stoppingToken);
                Record(races);
                Problem = null;
            }
            catch (Exception ex) when (ex is MySqlException or RedisException or TimeoutException)
            {
                // Tables not migrated yet, or a server stopped by a test: the board says so and tries again.
                Problem = ex.Message;
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static async Task<List<RaceView>> ReadAsync(MySqlConnection mysql, IDatabase redis, CancellationToken cancellationToken)
    {
        var events = new List<(string Id, string Name, int Quantity, DateTimeOffset CreatedAt)>();
        await using (var command = new MySqlCommand($"SELECT id, name, quantity, created_at FROM events ORDER BY created_at DESC LIMIT {ShownEvents}", mysql))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                events.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2), new DateTimeOffset(reader.GetDateTime(3), TimeSpan.Zero)));
        }
        if (events.Count == 0) return [];

        var issued = new Dictionary<string, long>();
        var failed = new Dictionary<(string, FailedEventStatus), long>();
        await using (var command = new MySqlCommand(
            $"""
            SELECT event_id, COUNT(*) FROM coupons WHERE event_id IN ({Parameters(events.Count)}) GROUP BY event_id;
            SELECT event_id, status, COUNT(*) FROM failed_events WHERE event_id IN ({Parameters(events.Count)}) AND status <> {(int)FailedEventStatus.Resolved} GROUP BY event_id, status;
            """, mysql))
        {
            for (var i = 0; i < events.Count; i++) command.Parameters.AddWithValue($"@e{i}", events[i].Id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) issued[reader.GetString(0)] = reader.GetInt64(1);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) failed[(reader.GetString(0), (FailedEventStatus)reader.GetInt32(1))] = reader.GetInt64(2);
        }

        var admitted = await Task.WhenAll(events.Select(e => redis.HashLengthAsync(EventKeys.Winners(e.Id))));
        return events.Select((e, i) => new RaceView(e.Id, e.Name, e.Quantity, admitted[i], issued.GetValueOrDefault(e.Id),
            Math.Max(0, e.Quantity - admitted[i]), failed.GetValueOrDefault((e.Id, FailedEventStatus.Pending)),
            failed.GetValueOrDefault((e.Id, FailedEventStatus.Parked)), failed.GetValueOrDefault((e.Id, FailedEventStatus.Refused)), e.CreatedAt)).ToList();
    }

    private static string Parameters(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@e{i}"));

    private void Record(List<RaceView> races)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        lock (_gate)
        {
            _races = races;
            foreach (var race in races)
            {
                var growth = race.Issued - _lastIssued.GetValueOrDefault(race.EventId, race.Issued);
                _lastIssued[race.EventId] = race.Issued;
                if (!_issuedPerSecond.TryGetValue(race.EventId, out var timeline)) _issuedPerSecond[race.EventId] = timeline = [];
                timeline[second] = timeline.GetValueOrDefault(second) + Math.Max(0, growth);
                while (timeline.Count > KeptSeconds) timeline.Remove(timeline.Keys.First());
            }
        }
    }
}
