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
/// The most recent traces, in memory, searchable by user id, application id, Kafka message key or trace id, and the
/// structured log records that belong to them. Two bounded windows, oldest out first: refusals (a 409 or 410 is one
/// span) have their own, so that the burst after a sell-out does not push the winners' journeys out.
/// </summary>
public sealed class TraceStore
{
    public const int MaxTraces = 5_000;
    public const int MaxRefusals = 5_000;
    public const int MaxSpansPerTrace = 200;
    public const int MaxLogs = 20_000;

    private sealed class Trace(long sequence)
    {
        public long Sequence { get; } = sequence;
        public List<SpanView> Spans { get; } = [];
        public LinkedListNode<string>? Node { get; set; }
    }

    private readonly Dictionary<string, Trace> _traces = [];
    private readonly LinkedList<string> _journeys = new();
    private readonly LinkedList<string> _refusals = new();
    private long _sequence;
    private readonly Queue<LogView> _logs = new();
    private readonly Lock _gate = new();

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
        if (!_traces.TryGetValue(traceId, out var trace))
        {
            _traces[traceId] = trace = new Trace(++_sequence);
            trace.Node = _journeys.AddLast(traceId);
            Trim(_journeys, MaxTraces);
        }
        if (trace.Spans.Count >= MaxSpansPerTrace) return;
        var view = new SpanView(
            traceId, OtlpValues.Hex(span.SpanId), OtlpValues.Hex(span.ParentSpanId), span.Name,
            span.Kind.ToString().Replace("SpanKind", "").ToLowerInvariant(), service,
            span.StartTimeUnixNano / 1e6, (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6,
            span.Status?.Code == Status.Types.StatusCode.Error, span.Status?.Message ?? "",
            OtlpValues.Attributes(span.Attributes),
            span.Links.Select(l => OtlpValues.Hex(l.TraceId)).Where(id => id != traceId).Distinct().ToList());
        trace.Spans.Add(view);
        if (view.Attributes.TryGetValue("coupon.outcome", out var outcome) && outcome != "admitted" && trace.Node!.List == _journeys)
        {
            _journeys.Remove(trace.Node);
            trace.Node = _refusals.AddLast(traceId);
            Trim(_refusals, MaxRefusals);
        }
    }

    private void Trim(LinkedList<string> window, int max)
    {
        while (window.Count > max)
        {
            _traces.Remove(window.First!.Value);
            window.RemoveFirst();
        }
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
            // Both windows, newest first.
            LinkedListNode<string>? journey = _journeys.Last, refusal = _refusals.Last;
            while ((journey ?? refusal) is not null && found.Count < limit)
            {
                var newer = refusal is null || (journey is not null && _traces[journey.Value].Sequence > _traces[refusal.Value].Sequence) ? journey! : refusal;
                if (newer == journey) journey = journey.Previous;
                else refusal = refusal!.Previous;
                var spans = _traces[newer.Value].Spans;
                if (string.IsNullOrEmpty(query) || Matches(newer.Value, spans, query)) found.Add(Summarize(newer.Value, spans));
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
            if (!_traces.TryGetValue(traceId.ToLowerInvariant(), out var trace)) return null;
            return (trace.Spans.OrderBy(s => s.StartMs).ToList(), _logs.Where(l => l.TraceId == traceId).OrderBy(l => l.TimeMs).ToList());
        }
    }
}
