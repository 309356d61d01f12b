using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CouponEvent.RetryJob;

/// <summary>The service's one ActivitySource and one Meter, named after it (ServiceDefaults subscribes to both).</summary>
internal static class RetryJobTelemetry
{
    public const string Name = "CouponEvent.RetryJob";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    /// <summary>Attempts by result: issued, rescheduled, parked.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("coupon.retries", description: "Failed-event attempts by result");

    private static long _pending;
    private static long _parked;

    /// <summary>Alert on parked &gt; 0: a coupon that was promised waits for an operator.</summary>
    private static readonly ObservableGauge<long> FailedEvents = Meter.CreateObservableGauge("coupon.failed_events.open",
        () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref _pending), new KeyValuePair<string, object?>("status", "pending")),
            new Measurement<long>(Interlocked.Read(ref _parked), new KeyValuePair<string, object?>("status", "parked")),
        }, description: "Failed events waiting for a retry or for an operator");

    private static readonly Counter<long> Findings = Meter.CreateCounter<long>("coupon.reconciliation.findings",
        description: "Reconciliation findings by kind: released, pending, issued_without_admission, over_issued");

    public static void ReconciliationFindings(Data.Model.ReconciliationReport report)
    {
        if (report.Released > 0) Findings.Add(report.Released, new KeyValuePair<string, object?>("kind", "released"));
        if (report.IssuedWithoutAdmission > 0) Findings.Add(report.IssuedWithoutAdmission, new KeyValuePair<string, object?>("kind", "issued_without_admission"));
        if (report.OverIssued > 0) Findings.Add(report.OverIssued, new KeyValuePair<string, object?>("kind", "over_issued"));
    }

    public static void SetOpen(long pending, long parked)
    {
        Interlocked.Exchange(ref _pending, pending);
        Interlocked.Exchange(ref _parked, parked);
    }
}
