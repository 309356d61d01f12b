using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CouponEvent.ApplyApi;

/// <summary>The service's one ActivitySource and one Meter, named after it (ServiceDefaults subscribes to both).</summary>
internal static class ApplyApiTelemetry
{
    public const string Name = "CouponEvent.ApplyApi";
    public const string ApplicationsInstrument = "coupon.applications";
    public const string OutcomeTag = "outcome";
    public const string EventIdTag = "coupon.event_id";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    /// <summary>Applications by outcome (the metric names of <see cref="ServiceDefaults.ApplyOutcomes"/>).</summary>
    public static readonly Counter<long> Applications =
        Meter.CreateCounter<long>(ApplicationsInstrument, description: "Applications answered, by outcome");

    public static readonly Histogram<double> AdmissionDuration =
        Meter.CreateHistogram<double>("coupon.admission.duration", "ms", "Time in the Redis admission script");

    public static readonly Histogram<double> PublishDuration =
        Meter.CreateHistogram<double>("coupon.publish.duration", "ms", "Time until Kafka acknowledged an application");

    /// <summary>Counts an answer, by event when <paramref name="eventId"/> is given, so the dashboard can draw each race.</summary>
    public static void Count(string outcome, string? eventId = null)
    {
        if (eventId is null) Applications.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));
        else Applications.Add(1, new(OutcomeTag, outcome), new(EventIdTag, eventId));
        Activity.Current?.SetTag("coupon.outcome", outcome);
    }
}
