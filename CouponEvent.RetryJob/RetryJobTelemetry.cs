using System.Diagnostics.Metrics;

namespace CouponEvent.RetryJob;

/// <summary>The service's Meter, named after it (ServiceDefaults subscribes to it).</summary>
internal static class RetryJobTelemetry
{
    public const string Name = "CouponEvent.RetryJob";
    private static readonly Meter Meter = new(Name);

    /// <summary>Attempts by result: issued, rescheduled, parked.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("coupon.retries", description: "Failed-event attempts by result");
}
