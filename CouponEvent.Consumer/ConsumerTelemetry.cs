using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CouponEvent.Consumer;

/// <summary>The service's one ActivitySource and one Meter, named after it (ServiceDefaults subscribes to both).</summary>
internal static class ConsumerTelemetry
{
    public const string Name = "CouponEvent.Consumer";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CouponsIssued = Meter.CreateCounter<long>("coupon.issued", description: "Coupon rows written");
    public static readonly Counter<long> FailedEvents = Meter.CreateCounter<long>("coupon.failed_events", description: "Applications handed to the RetryJob");
    public static readonly Counter<long> PoisonMessages = Meter.CreateCounter<long>("coupon.poison_messages", description: "Messages sent to the dead-letter topic");
    public static readonly Counter<long> LostPositions = Meter.CreateCounter<long>("coupon.kafka.lost_positions",
        description: "Partitions whose committed position Kafka had deleted (messages lost before they were read)");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("coupon.batch.size", description: "Messages per consumed batch");
}
