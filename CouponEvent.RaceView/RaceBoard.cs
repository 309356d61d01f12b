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

/// <summary>One bucket of a race's timeline: answers by outcome (every ApplyApi replica's), and coupon rows written.</summary>
/// <param name="At">The bucket's start, in unix milliseconds.</param>
public sealed record RaceBucket(long At, IReadOnlyDictionary<string, long> Answers, long Issued);

/// <summary>
/// One event's race, from its first answer or coupon row to its last, in equal buckets: as fine as
/// <see cref="EventKeys.AnswerBucket"/> while a race lasts seconds, coarser for a long one.
/// </summary>
public sealed record RaceTimeline(long BucketMilliseconds, IReadOnlyList<RaceBucket> Buckets);

/// <summary>
/// Reads the servers of record once a second for the newest events: admitted (the winners hash), the answers ApplyApi
/// replicas tallied (<see cref="EventKeys.Answers"/>), issued (coupon rows), retrying, parked and refused (failed
/// events), and issued from Redis (reconciliation's reports). A timeline is read when asked for: the answers from
/// Redis, the rows from MySQL by the time each was written, so that it counts what the counters count.
/// </summary>
public sealed class RaceBoard(IServiceScopeFactory scopes, IConnectionMultiplexer redis, TimeProvider time) : BackgroundService
{
    public const int ShownEvents = 20;
    /// <summary>At most this many buckets: a chart's worth of points, however long the race.</summary>
    public const int MaxBuckets = 120;
    /// <summary>The shortest span a timeline covers, so that a race of one bucket is drawn as a moment, not the whole width.</summary>
    public static readonly TimeSpan MinimumSpan = TimeSpan.FromSeconds(5);
    private static readonly long[] BucketWidths = [200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000];

    private readonly Lock _gate = new();
    private IReadOnlyList<Race> _races = [];

    /// <summary>Why the board is empty, when it is (tables not migrated yet, a server stopped).</summary>
    public string? Problem { get; private set; } = "starting";

    public IReadOnlyList<Race> Races
    {
        get { lock (_gate) return _races; }
    }

    private sealed record IssuedBucket(long Bucket, long Count);

    public async Task<RaceTimeline> TimelineAsync(string eventId, CancellationToken cancellationToken)
    {
        var fine = (long)EventKeys.AnswerBucket.TotalMilliseconds;
        var answers = Parse(await redis.GetDatabase().HashGetAllAsync(EventKeys.Answers(eventId))).ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>();
        // issued_at is UTC: its distance from the epoch, in the answers' buckets.
        var issued = (await db.Database.SqlQuery<IssuedBucket>($"""
            SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01', issued_at) DIV {fine * 1000} AS Bucket, COUNT(*) AS Count
            FROM coupons WHERE event_id = {eventId} GROUP BY Bucket
            """).ToListAsync(cancellationToken))
            .Select(b => (At: b.Bucket * fine, b.Count)).ToList();

        var instants = answers.Select(a => a.At).Concat(issued.Select(i => i.At)).ToList();
        if (instants.Count == 0) return new RaceTimeline(fine, []);
        var span = Math.Max(instants.Max() + fine - instants.Min(), (long)MinimumSpan.TotalMilliseconds);
        var width = BucketWidths.FirstOrDefault(w => span / w < MaxBuckets, (span + MaxBuckets - 1) / MaxBuckets);
        var from = instants.Min() - instants.Min() % width;
        var count = (int)((Math.Max(instants.Max() + fine, from + span) - from + width - 1) / width);

        var buckets = Enumerable.Range(0, count).Select(_ => (Answers: new Dictionary<string, long>(), Issued: 0L)).ToArray();
        foreach (var (at, outcome, n) in answers)
            buckets[(at - from) / width].Answers[outcome] = buckets[(at - from) / width].Answers.GetValueOrDefault(outcome) + n;
        foreach (var (at, n) in issued) buckets[(at - from) / width].Issued += n;
        return new RaceTimeline(width, buckets.Select((b, i) => new RaceBucket(from + i * width, b.Answers, b.Issued)).ToList());
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
        // A settled event's winners are its coupons: its keys have left Redis.
        var admitted = await Task.WhenAll(events.Select(e => e.SettledAt is null ? database.HashLengthAsync(EventKeys.Winners(e.Id)) : Task.FromResult((long)e.Issued)));
        var answers = await Task.WhenAll(ids.Select(id => database.HashGetAllAsync(EventKeys.Answers(id))));
        return events.Select((e, i) => new Race(e.Id, e.Name, e.Quantity, admitted[i], e.Issued, Math.Max(0, e.Quantity - admitted[i]),
            Failed(e.Id, FailedEventStatus.Pending), Failed(e.Id, FailedEventStatus.Parked), Failed(e.Id, FailedEventStatus.Refused),
            fromRedis.GetValueOrDefault(e.Id), Totals(answers[i]), e.CreatedAt)).ToList();
    }

    /// <summary>Answers by outcome over the whole race.</summary>
    private static Dictionary<string, long> Totals(HashEntry[] answers) =>
        Parse(answers).GroupBy(entry => entry.Outcome).ToDictionary(g => g.Key, g => g.Sum(entry => entry.Count));

    private static IEnumerable<(long At, string Outcome, long Count)> Parse(HashEntry[] answers)
    {
        foreach (var entry in answers)
        {
            if (EventKeys.TryParseAnswerField(entry.Name.ToString(), out var at, out var outcome))
                yield return (at, outcome, (long)entry.Value);
        }
    }

    private void Record(List<Race> races)
    {
        lock (_gate) _races = races;
    }
}
