using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// Sums this instance's answers per event and outcome (what <c>coupon.applications</c> counts, read with a
/// <see cref="MeterListener"/>) and adds them to the event's <see cref="EventKeys.Answers"/> hash every
/// <see cref="EventKeys.AnswerBucket"/>, so that the race view draws every replica's answers over a race that lasts a
/// second. One write per answered event per bucket, off the hot path; nothing when nothing was answered.
/// </summary>
public sealed partial class AnswerTally(IConnectionMultiplexer redis, TimeProvider time, ILogger<AnswerTally> logger) : BackgroundService
{
    private static readonly TimeSpan Kept = TimeSpan.FromHours(1);
    private ConcurrentDictionary<(string EventId, string Outcome), long> _counts = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument is { Name: ApplyApiTelemetry.ApplicationsInstrument } && instrument.Meter.Name == ApplyApiTelemetry.Name)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>(Record);
        listener.Start();

        var bucket = (long)EventKeys.AnswerBucket.TotalMilliseconds;
        using var timer = new PeriodicTimer(EventKeys.AnswerBucket, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // The bucket that just ended.
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await FlushAsync(now - now % bucket - bucket);
        }
    }

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? eventId = null, outcome = null;
        foreach (var tag in tags)
        {
            if (tag.Key == ApplyApiTelemetry.EventIdTag) eventId = tag.Value as string;
            else if (tag.Key == ApplyApiTelemetry.OutcomeTag) outcome = tag.Value as string;
        }
        // Unknown events carry no id: ids that clients make up must not grow the tally.
        if (eventId is null || outcome is null) return;
        // Static lambdas with the value as their argument: a closure over it would be an allocation on every answer.
        _counts.AddOrUpdate((eventId, outcome), static (_, added) => added, static (_, sum, added) => sum + added, value);
    }

    private async Task FlushAsync(long bucketStart)
    {
        var counts = Interlocked.Exchange(ref _counts, new());
        if (counts.IsEmpty) return;
        var batch = redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        foreach (var group in counts.GroupBy(c => c.Key.EventId))
        {
            var key = EventKeys.Answers(group.Key);
            writes.AddRange(group.Select(c => batch.HashIncrementAsync(key, EventKeys.AnswerField(bucketStart, c.Key.Outcome), c.Value)));
            writes.Add(batch.KeyExpireAsync(key, Kept));
        }
        batch.Execute();
        try
        {
            await Task.WhenAll(writes);
        }
        catch (Exception ex) when (RedisClientDefaults.IsUnavailable(ex))
        {
            // The race view misses a second; admissions are unaffected.
            LogFlushFailed(logger, ex.Message);
        }
    }

    [LoggerMessage(1201, LogLevel.Warning, "The latest answers were not added to the race view's tally: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, string reason);
}
