using CouponEvent.AppHost.Dashboard.Otlp;

namespace CouponEvent.AppHost.Dashboard;

public sealed record SpanView(
    string TraceId, string SpanId, string ParentSpanId, string Name, string Kind, string Service,
    double StartMs, double DurationMs, bool Error, string StatusMessage,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> LinkedTraceIds);

public sealed record TraceSummary(
    string TraceId, string Name, IReadOnlyList<string> Services, double StartMs, double DurationMs, int Spans, bool Error,
    string? UserId, string? ApplicationId, string? Outcome);

public sealed record LogView(double TimeMs, string Service, string Severity, string Message, string TraceId, string SpanId);

/// <summary>
/// The most recent traces, in memory: a bounded window (oldest trace out first), searchable by user id,
/// application id, Kafka message key or trace id. Also keeps the structured log records that belong to a trace.
/// </summary>
public sealed class TraceStore
{
    public const int MaxTraces = 5_000;
    public const int MaxSpansPerTrace = 200;
    public const int MaxLogs = 20_000;

    private readonly Dictionary<string, List<SpanView>> _traces = [];
    private readonly Queue<string> _order = new();
    private readonly Queue<LogView> _logs = new();
    private readonly Lock _gate = new();

    public int Count
    {
        get { lock (_gate) return _traces.Count; }
    }

    public void Add(ExportTraceServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceSpans in request.ResourceSpans)
            {
                var (service, _) = OtlpValues.Source(resourceSpans.Resource);
                foreach (var span in resourceSpans.ScopeSpans.SelectMany(s => s.Spans)) Add(span, service);
            }
        }
    }

    private void Add(Span span, string service)
    {
        var traceId = OtlpValues.Hex(span.TraceId);
        if (!_traces.TryGetValue(traceId, out var spans))
        {
            _traces[traceId] = spans = [];
            _order.Enqueue(traceId);
            while (_order.Count > MaxTraces) _traces.Remove(_order.Dequeue());
        }
        if (spans.Count >= MaxSpansPerTrace) return;
        spans.Add(new SpanView(
            traceId, OtlpValues.Hex(span.SpanId), OtlpValues.Hex(span.ParentSpanId), span.Name,
            span.Kind.ToString().Replace("SpanKind", "").ToLowerInvariant(), service,
            span.StartTimeUnixNano / 1e6, (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6,
            span.Status?.Code == Status.Types.StatusCode.Error, span.Status?.Message ?? "",
            OtlpValues.Attributes(span.Attributes),
            span.Links.Select(l => OtlpValues.Hex(l.TraceId)).Where(id => id != traceId).Distinct().ToList()));
    }

    public void Add(ExportLogsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resourceLogs in request.ResourceLogs)
            {
                var (service, _) = OtlpValues.Source(resourceLogs.Resource);
                foreach (var record in resourceLogs.ScopeLogs.SelectMany(s => s.LogRecords))
                {
                    // Only what can be shown beside a trace is kept; every line is in the resource's console log too.
                    if (record.TraceId.IsEmpty) continue;
                    _logs.Enqueue(new LogView(record.TimeUnixNano / 1e6, service, Severity(record), OtlpValues.Text(record.Body),
                        OtlpValues.Hex(record.TraceId), OtlpValues.Hex(record.SpanId)));
                    if (_logs.Count > MaxLogs) _logs.Dequeue();
                }
            }
        }
    }

    private static string Severity(LogRecord record) => record.SeverityText is { Length: > 0 } text ? text
        : record.SeverityNumber switch { <= 4 => "Trace", <= 8 => "Debug", <= 12 => "Information", <= 16 => "Warning", <= 20 => "Error", _ => "Critical" };

    /// <summary>The newest traces first; with a query, those whose spans carry it as user id, application id, message key or trace id.</summary>
    public IReadOnlyList<TraceSummary> Search(string? query, int limit = 50)
    {
        query = query?.Trim();
        lock (_gate)
        {
            var found = new List<TraceSummary>();
            foreach (var traceId in _order.Reverse())
            {
                if (!_traces.TryGetValue(traceId, out var spans) || spans.Count == 0) continue;
                if (!string.IsNullOrEmpty(query) && !Matches(traceId, spans, query)) continue;
                found.Add(Summarize(traceId, spans));
                if (found.Count == limit) break;
            }
            return found;
        }
    }

    private static bool Matches(string traceId, List<SpanView> spans, string query) =>
        // A trace id from eight characters on: shorter would match user ids by chance.
        (query.Length >= 8 && traceId.StartsWith(query, StringComparison.OrdinalIgnoreCase)) || spans.Any(s =>
            s.Attributes.GetValueOrDefault("coupon.user_id") == query ||
            string.Equals(s.Attributes.GetValueOrDefault("coupon.application_id"), query, StringComparison.OrdinalIgnoreCase) ||
            s.Attributes.GetValueOrDefault("messaging.kafka.message.key") == query);

    private static TraceSummary Summarize(string traceId, List<SpanView> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var root = spans.FirstOrDefault(s => !ids.Contains(s.ParentSpanId)) ?? spans[0];
        var start = spans.Min(s => s.StartMs);
        string? Tag(string key) => spans.Select(s => s.Attributes.GetValueOrDefault(key)).FirstOrDefault(v => v is not null);
        return new TraceSummary(traceId, root.Name, spans.Select(s => s.Service).Distinct().ToList(), start,
            spans.Max(s => s.StartMs + s.DurationMs) - start, spans.Count, spans.Any(s => s.Error),
            Tag("coupon.user_id"), Tag("coupon.application_id"), Tag("coupon.outcome"));
    }

    /// <summary>Every span of a trace, in start order, and the log records written under it; null when it is not (or no longer) held.</summary>
    public (IReadOnlyList<SpanView> Spans, IReadOnlyList<LogView> Logs)? Get(string traceId)
    {
        lock (_gate)
        {
            if (!_traces.TryGetValue(traceId.ToLowerInvariant(), out var spans)) return null;
            return (spans.OrderBy(s => s.StartMs).ToList(), _logs.Where(l => l.TraceId == traceId).OrderBy(l => l.TimeMs).ToList());
        }
    }
}
