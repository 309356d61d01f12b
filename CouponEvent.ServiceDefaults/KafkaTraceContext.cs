using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// W3C trace context in a Kafka message's headers (<c>traceparent</c>, <c>tracestate</c>, <c>baggage</c>), written and
/// read by OpenTelemetry's propagator as OpenTelemetry.Instrumentation.ConfluentKafka does (it is not served here):
/// the publish span in ApplyApi becomes the parent of the application's span in the Consumer.
/// </summary>
public static class KafkaTraceContext
{
    public static void Inject(Activity? activity, Headers headers)
    {
        if (activity is null) return;
        Propagators.DefaultTextMapPropagator.Inject(new PropagationContext(activity.Context, Baggage.Current), headers,
            static (carrier, key, value) => carrier.Add(key, Encoding.UTF8.GetBytes(value)));
    }

    /// <summary>
    /// OpenTelemetry's messaging attributes of a Kafka span. <c>messaging.operation</c> (the older name of
    /// <c>messaging.operation.type</c>) is what the Aspire dashboard puts in a span's title, "MSG kafka publish coupon_create",
    /// so that the producer and the consumer read apart in the trace list and the waterfall.
    /// </summary>
    public static void SetMessagingTags(Activity? activity, string operation, string topic)
    {
        if (activity is null) return;
        activity.SetTag("messaging.system", "kafka");
        activity.SetTag("messaging.operation", operation);
        activity.SetTag("messaging.operation.type", operation);
        activity.SetTag("messaging.destination.name", topic);
    }

    /// <returns>False when the message carries no valid trace context.</returns>
    public static bool TryExtract(Headers? headers, out ActivityContext context)
    {
        context = headers is null ? default : Propagators.DefaultTextMapPropagator.Extract(default, headers,
            static (carrier, key) => carrier.TryGetLastBytes(key, out var bytes) ? [Encoding.UTF8.GetString(bytes)] : []).ActivityContext;
        return context != default;
    }
}
