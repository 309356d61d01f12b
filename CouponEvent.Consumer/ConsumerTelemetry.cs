using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;

namespace CouponEvent.Consumer;

/// <summary>The service's one ActivitySource and one Meter, named after it (ServiceDefaults subscribes to both).</summary>
internal static class ConsumerTelemetry
{
    public const string Name = "CouponEvent.Consumer";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CouponsIssued = Meter.CreateCounter<long>("coupon.issued", description: "Coupon rows written");
    public static readonly Counter<long> FailedEvents = Meter.CreateCounter<long>("coupon.failed_events", description: "Applications handed to the RetryJob");
    public static readonly Counter<long> Refused = Meter.CreateCounter<long>("coupon.refused",
        description: "Applications refused by MySQL's quantity guard (their event was full): 202s not honoured, alert on any");
    public static readonly Counter<long> PoisonMessages = Meter.CreateCounter<long>("coupon.poison_messages", description: "Messages sent to the dead-letter topic");
    public static readonly Counter<long> MessagesLost = Meter.CreateCounter<long>("coupon.kafka.messages_lost",
        description: "Acknowledged applications Kafka deleted before they were read, per partition: alert on any");
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("coupon.batch.size", description: "Messages per consumed batch");

    private static IConsumer<string, byte[]>? _consumer;

    /// <summary>
    /// Messages not yet read, per assigned partition: the high watermark librdkafka last saw minus the position.
    /// Both are read from the client's cache, so observing costs no request.
    /// </summary>
    private static readonly ObservableGauge<long> Lag = Meter.CreateObservableGauge("coupon.consumer.lag", ObserveLag,
        description: "Messages of coupon_create not yet read, per partition");

    public static void ObserveLag(IConsumer<string, byte[]>? consumer) => Volatile.Write(ref _consumer, consumer);

    private static IEnumerable<Measurement<long>> ObserveLag()
    {
        if (Volatile.Read(ref _consumer) is not { } consumer) yield break;
        List<TopicPartition> assigned;
        try
        {
            assigned = consumer.Assignment;
        }
        catch (ObjectDisposedException)
        {
            yield break;
        }
        foreach (var partition in assigned)
        {
            long lag;
            try
            {
                var high = consumer.GetWatermarkOffsets(partition).High;
                var position = consumer.Position(partition);
                if (high == Offset.Unset || position == Offset.Unset) continue;
                lag = Math.Max(0, high.Value - position.Value);
            }
            catch (Exception ex) when (ex is KafkaException or ObjectDisposedException)
            {
                continue;
            }
            yield return new Measurement<long>(lag, new KeyValuePair<string, object?>("messaging.destination.partition.id", partition.Partition.Value));
        }
    }
}
