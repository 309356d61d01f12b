using CouponEvent.AppHost.Dashboard.Otlp;

namespace CouponEvent.AppHost.Dashboard;

/// <summary>One metric as the dashboard lists it: each series' latest value (a sum's total, a gauge's reading, a histogram's mean).</summary>
public sealed record MetricView(string Name, string Service, string Description, string Unit, string Kind, IReadOnlyList<SeriesView> Series);

public sealed record SeriesView(string Attributes, double Value, long? Count);

/// <summary>
/// What the services' metrics say: the latest value of every series, and, per event and second, the applications by
/// outcome (from the cumulative <c>coupon.applications</c> counter, turned into per-second deltas) and the consumer lag.
/// </summary>
public sealed class MetricStore
{
    private const int KeptSeconds = 600;

    private readonly Dictionary<string, (ulong Start, double Value)> _cumulative = [];
    private readonly Dictionary<string, Dictionary<string, (Metric Metric, string Service, Dictionary<string, SeriesView> Series)>> _latest = [];
    private readonly Dictionary<string, SortedDictionary<long, Dictionary<string, long>>> _outcomes = [];
    private readonly Dictionary<string, Dictionary<string, long>> _totals = [];
    private readonly Dictionary<string, long> _lagByPartition = [];
    private readonly SortedDictionary<long, long> _lag = [];
    private readonly Lock _gate = new();

    public void Add(ExportMetricsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceMetrics in request.ResourceMetrics)
            {
                var (service, instance) = OtlpValues.Source(resourceMetrics.Resource);
                foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(s => s.Metrics)) Add(metric, service, instance);
            }
        }
    }

    private void Add(Metric metric, string service, string instance)
    {
        if (!_latest.TryGetValue(service, out var metrics)) _latest[service] = metrics = [];
        if (!metrics.TryGetValue(metric.Name, out var entry)) metrics[metric.Name] = entry = (metric, service, []);
        entry.Metric = metric;

        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Sum:
                foreach (var point in metric.Sum.DataPoints)
                {
                    var attributes = OtlpValues.Attributes(point.Attributes);
                    var key = Key(attributes);
                    var value = Number(point);
                    var delta = metric.Sum.AggregationTemporality == AggregationTemporality.Delta ? value : Delta($"{instance}|{metric.Name}|{key}", point.StartTimeUnixNano, value);
                    var total = (entry.Series.GetValueOrDefault(key)?.Value ?? 0) + delta;
                    entry.Series[key] = new SeriesView(key, total, null);
                    if (metric.Name == "coupon.applications") CountOutcome(attributes, (long)delta, Second(point.TimeUnixNano));
                }
                break;
            case Metric.DataOneofCase.Gauge:
                foreach (var point in metric.Gauge.DataPoints)
                {
                    var attributes = OtlpValues.Attributes(point.Attributes);
                    var key = Key(attributes);
                    entry.Series[$"{instance}|{key}"] = new SeriesView(key, Number(point), null);
                    if (metric.Name == "coupon.consumer.lag") RecordLag($"{instance}|{key}", (long)Number(point), Second(point.TimeUnixNano));
                }
                break;
            case Metric.DataOneofCase.Histogram:
                foreach (var point in metric.Histogram.DataPoints)
                {
                    var key = Key(OtlpValues.Attributes(point.Attributes));
                    // Cumulative in .NET: the mean since the process started, summed over the instances' latest readings.
                    entry.Series[$"{instance}|{key}"] = new SeriesView(key, point.Count == 0 ? 0 : point.Sum / point.Count, (long)point.Count);
                }
                break;
        }
        metrics[metric.Name] = entry;
    }

    private static double Number(NumberDataPoint point) =>
        point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;

    private static string Key(Dictionary<string, string> attributes) =>
        string.Join(", ", attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));

    private static long Second(ulong unixNano) => (long)(unixNano / 1_000_000_000);

    /// <summary>A cumulative series' growth since its last export; a new start time means the process restarted.</summary>
    private double Delta(string series, ulong start, double value)
    {
        var delta = _cumulative.TryGetValue(series, out var last) && last.Start == start && value >= last.Value ? value - last.Value : value;
        _cumulative[series] = (start, value);
        return delta;
    }

    private void CountOutcome(Dictionary<string, string> attributes, long delta, long second)
    {
        if (delta <= 0 || !attributes.TryGetValue("coupon.event_id", out var eventId) || !attributes.TryGetValue("outcome", out var outcome)) return;
        if (!_outcomes.TryGetValue(eventId, out var timeline)) _outcomes[eventId] = timeline = [];
        if (!timeline.TryGetValue(second, out var counts)) timeline[second] = counts = [];
        counts[outcome] = counts.GetValueOrDefault(outcome) + delta;
        while (timeline.Count > KeptSeconds) timeline.Remove(timeline.Keys.First());
        if (!_totals.TryGetValue(eventId, out var totals)) _totals[eventId] = totals = [];
        totals[outcome] = totals.GetValueOrDefault(outcome) + delta;
    }

    private void RecordLag(string series, long lag, long second)
    {
        _lagByPartition[series] = lag;
        _lag[second] = _lagByPartition.Values.Sum();
        while (_lag.Count > KeptSeconds) _lag.Remove(_lag.Keys.First());
    }

    /// <summary>Answers by outcome for an event since the dashboard started.</summary>
    public IReadOnlyDictionary<string, long> Totals(string eventId)
    {
        lock (_gate) return _totals.TryGetValue(eventId, out var totals) ? new Dictionary<string, long>(totals) : new Dictionary<string, long>();
    }

    /// <summary>Answers by outcome in each second of an event's race, from <paramref name="since"/> (unix seconds).</summary>
    public IReadOnlyDictionary<long, IReadOnlyDictionary<string, long>> Outcomes(string eventId, long since)
    {
        lock (_gate)
        {
            return _outcomes.TryGetValue(eventId, out var timeline)
                ? timeline.Where(t => t.Key >= since).ToDictionary(t => t.Key, t => (IReadOnlyDictionary<string, long>)new Dictionary<string, long>(t.Value))
                : new Dictionary<long, IReadOnlyDictionary<string, long>>();
        }
    }

    /// <summary>The second of an event's first counted answer, if any is still held.</summary>
    public long? FirstSecond(string eventId)
    {
        lock (_gate) return _outcomes.TryGetValue(eventId, out var timeline) && timeline.Count > 0 ? timeline.Keys.First() : null;
    }

    /// <summary>The consumer group's total lag, as last reported in each second.</summary>
    public IReadOnlyDictionary<long, long> Lag(long since)
    {
        lock (_gate) return _lag.Where(l => l.Key >= since).ToDictionary(l => l.Key, l => l.Value);
    }

    public IReadOnlyList<MetricView> All()
    {
        lock (_gate)
        {
            return _latest.SelectMany(service => service.Value.Values)
                .OrderBy(m => m.Service).ThenBy(m => m.Metric.Name)
                .Select(m => new MetricView(m.Metric.Name, m.Service, m.Metric.Description, m.Metric.Unit,
                    m.Metric.DataCase.ToString().ToLowerInvariant(), m.Series.Values.OrderBy(s => s.Attributes).ToList()))
                .ToList();
        }
    }
}
