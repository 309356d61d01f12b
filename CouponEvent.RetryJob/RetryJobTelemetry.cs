using System.Diagnostics;
using System.Diagnostics.Metrics;
using CouponEvent.Data.Model;

namespace CouponEvent.RetryJob;

/// <summary>The service's one ActivitySource and one Meter, named after it (ServiceDefaults subscribes to both).</summary>
internal static class RetryJobTelemetry
{
    public const string Name = "CouponEvent.RetryJob";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    /// <summary>Attempts by result: issued, refused, rescheduled, parked.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("coupon.retries", description: "Failed-event attempts by result");

    private static IReadOnlyDictionary<FailedEventStatus, long> _open = new Dictionary<FailedEventStatus, long>();

    /// <summary>Alert on parked &gt; 0 (a promised coupon waits for an operator) and on refused &gt; 0 (a 202 not honoured).</summary>
    private static readonly ObservableGauge<long> FailedEvents = Meter.CreateObservableGauge("coupon.failed_events.open",
        () => new[] { FailedEventStatus.Pending, FailedEventStatus.Parked, FailedEventStatus.Refused }.Select(status =>
            new Measurement<long>(Volatile.Read(ref _open).GetValueOrDefault(status),
                new KeyValuePair<string, object?>("status", FailedEventStatuses.Name(status)))),
        description: "Failed events waiting for a retry or for an operator, and applications refused over the quantity");

    private static readonly Counter<long> Findings = Meter.CreateCounter<long>("coupon.reconciliation.findings",
        description: "Reconciliation findings by kind: issued_from_redis, issued_without_admission, over_issued, refused, redis_unverified");

    public static void ReconciliationFindings(ReconciliationReport report)
    {
        if (report.IssuedFromRedis > 0) Findings.Add(report.IssuedFromRedis, new KeyValuePair<string, object?>("kind", "issued_from_redis"));
        if (report.IssuedWithoutAdmission > 0) Findings.Add(report.IssuedWithoutAdmission, new KeyValuePair<string, object?>("kind", "issued_without_admission"));
        if (report.OverIssued > 0) Findings.Add(report.OverIssued, new KeyValuePair<string, object?>("kind", "over_issued"));
        if (report.Refused > 0) Findings.Add(report.Refused, new KeyValuePair<string, object?>("kind", "refused"));
        if (report.Status == ReconciliationReport.RedisUnverified) Findings.Add(1, new KeyValuePair<string, object?>("kind", "redis_unverified"));
    }

    private static readonly Counter<long> Checked = Meter.CreateCounter<long>("coupon.reconciliation.checked",
        description: "Events reconciliation checked: the live ones, every round");

    public static void ReconciliationRound(int events) => Checked.Add(events);

    public static void SetOpen(IReadOnlyDictionary<FailedEventStatus, long> open) => Volatile.Write(ref _open, open);
}
