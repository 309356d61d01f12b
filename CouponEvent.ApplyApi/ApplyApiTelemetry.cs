using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CouponEvent.ApplyApi;

/// <summary>The service's one ActivitySource and one Meter, named after it (ServiceDefaults subscribes to both).</summary>
internal static class ApplyApiTelemetry
{
    public const string Name = "CouponEvent.ApplyApi";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    /// <summary>Applications by outcome: admitted, duplicate, sold_out, not_open, closed, unknown_event, unavailable, rejected.</summary>
    public static readonly Counter<long> Applications =
        Meter.CreateCounter<long>("coupon.applications", description: "Applications answered, by outcome");

    public static readonly Histogram<double> AdmissionDuration =
        Meter.CreateHistogram<double>("coupon.admission.duration", "ms", "Time in the Redis admission script");

    public static readonly Histogram<double> PublishDuration =
        Meter.CreateHistogram<double>("coupon.publish.duration", "ms", "Time until Kafka acknowledged an application");

    public static void Count(string outcome)
    {
        Applications.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        Activity.Current?.SetTag("coupon.outcome", outcome);
    }
}
