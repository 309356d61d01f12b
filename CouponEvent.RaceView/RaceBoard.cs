using CouponEvent.Data;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace CouponEvent.RaceView;

/// <summary>One event's race: admitted from Redis, issued and failed events from MySQL.</summary>
/// <param name="Refused">Applications MySQL's quantity guard refused (202s not honoured): must stay 0.</param>
/// <param name="IssuedFromRedis">Coupons reconciliation issued from Redis's record: promises whose message Kafka lost or never got.</param>
public sealed record Race(string EventId, string Name, int Quantity, long Admitted, long Issued, long Remaining,
    long Retrying, long Parked, long Refused, long IssuedFromRedis, IReadOnlyDictionary<string, long> Answers, DateTimeOffset CreatedAt);

/// <summary>One second of a race: answers by outcome (every ApplyApi replica's), and coupon rows written.</summary>
public sealed record RaceSecond(long Second, IReadOnlyDictionary<string, long> Answers, long Issued);

/// <summary>
/// Reads the servers of record once a second for the newest events: admitted (the winners hash), the answers ApplyApi
/// replicas tallied (<see cref="EventKeys.Answers"/>), issued (coupon rows), retrying, parked and refused (failed
/// events), and issued from Redis (reconciliation's reports). The growth of the issued count between two readings is the issuance timeline.
/// </summary>
public sealed class RaceBoard(IServiceScopeFactory scopes, IConnectionMultiplexer redis, TimeProvider time) : BackgroundService
{
    public const int ShownEvents = 20;
    private const int KeptSeconds = 600;

    private readonly Dictionary<string, SortedDictionary<long, long>> _issuedPerSecond = [];
    private readonly Dictionary<string, long> _lastIssued = [];
    private readonly Lock _gate = new();
    private IReadOnlyList<Race> _races = [];

    /// <summary>Why the board is empty, when it is (tables not migrated yet, a server stopped).</summary>
    public string? Problem { get; private set; } = "starting";

    public IReadOnlyList<Race> Races
    {
        get { lock (_gate) return _races; }
    }

    /// <summary>The per-second timeline of one event, from <paramref name="since"/> (unix seconds) on.</summary>
    public async Task<IReadOnlyList<RaceSecond>> TimelineAsync(string eventId, long since)
    {
        var answers = Parse(await redis.GetDatabase().HashGetAllAsync(EventKeys.Answers(eventId)))
            .Where(entry => entry.Second >= since)
            .GroupBy(entry => entry.Second)
            .ToDictionary(g => g.Key, g => g.ToDictionary(entry => entry.Outcome, entry => entry.Count));
        Dictionary<long, long> issued;
        lock (_gate) issued = _issuedPerSecond.TryGetValue(eventId, out var timeline) ? timeline.Where(t => t.Key >= since).ToDictionary() : [];
        return answers.Keys.Union(issued.Keys).Order()
            .Select(second => new RaceSecond(second, answers.GetValueOrDefault(second) ?? [], issued.GetValueOrDefault(second)))
            .ToList();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        do
        {
            try
            {
                Record(await ReadAsync(stoppingToken));
                Problem = null;
            }
            catch (Exception ex) when (ex is InvalidOperationException || MySqlFailure.Is(ex) || RedisClientDefaults.IsUnavailable(ex))
            {
                Problem = ex.Message;
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<List<Race>> ReadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        var events = await db.Events.AsNoTracking().OrderByDescending(e => e.CreatedAt).Take(ShownEvents).ToListAsync(cancellationToken);
        if (events.Count == 0) return [];
        var ids = events.Select(e => e.Id).ToList();
        var failed = await db.FailedEvents.AsNoTracking()
            .Where(f => ids.Contains(f.EventId) && f.Status != FailedEventStatus.Resolved)
            .GroupBy(f => new { f.EventId, f.Status })
            .Select(g => new { g.Key.EventId, g.Key.Status, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        long Failed(string eventId, FailedEventStatus status) => failed.FirstOrDefault(f => f.EventId == eventId && f.Status == status)?.Count ?? 0;
        var fromRedis = await db.ReconciliationReports.AsNoTracking().Where(r => ids.Contains(r.EventId))
            .ToDictionaryAsync(r => r.EventId, r => r.IssuedFromRedis, cancellationToken);

        var database = redis.GetDatabase();
        var admitted = await Task.WhenAll(ids.Select(id => database.HashLengthAsync(EventKeys.Winners(id))));
        var answers = await Task.WhenAll(ids.Select(id => database.HashGetAllAsync(EventKeys.Answers(id))));
        return events.Select((e, i) => new Race(e.Id, e.Name, e.Quantity, admitted[i], e.Issued, Math.Max(0, e.Quantity - admitted[i]),
            Failed(e.Id, FailedEventStatus.Pending), Failed(e.Id, FailedEventStatus.Parked), Failed(e.Id, FailedEventStatus.Refused),
            fromRedis.GetValueOrDefault(e.Id), Totals(answers[i]), e.CreatedAt)).ToList();
    }

    /// <summary>Answers by outcome over the whole race.</summary>
    private static Dictionary<string, long> Totals(HashEntry[] answers) =>
        Parse(answers).GroupBy(entry => entry.Outcome).ToDictionary(g => g.Key, g => g.Sum(entry => entry.Count));

    private static IEnumerable<(long Second, string Outcome, long Count)> Parse(HashEntry[] answers)
    {
        foreach (var entry in answers)
        {
            if (EventKeys.TryParseAnswerField(entry.Name.ToString(), out var second, out var outcome))
                yield return (second, outcome, (long)entry.Value);
        }
    }

    private void Record(List<Race> races)
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
