using System.Diagnostics;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>Publishes an admitted application to <c>coupon_create</c> and waits for the brokers' acknowledgement.</summary>
public sealed class ApplicationPublisher(IProducer<string, byte[]> producer)
{
    internal async Task<PublishOutcome> PublishAsync(CouponApplication application)
    {
        using var activity = ApplyApiTelemetry.Source.StartActivity($"{Topics.CouponCreate} publish", ActivityKind.Producer);
        KafkaTraceContext.SetMessagingTags(activity, "publish", Topics.CouponCreate);
        activity?.SetTag("messaging.kafka.message.key", application.Key);

        var message = new Message<string, byte[]> { Key = application.Key, Value = application.ToUtf8Json(), Headers = [] };
        KafkaTraceContext.Inject(activity, message.Headers);

        var started = Stopwatch.GetTimestamp();
        try
        {
            // Not cancelled with the request: once sent, we must learn the outcome to keep or free the slot.
            var result = await producer.ProduceAsync(Topics.CouponCreate, message);
            activity?.SetTag("messaging.destination.partition.id", result.Partition.Value);
            activity?.SetTag("messaging.kafka.offset", result.Offset.Value);
            return PublishOutcome.Acknowledged;
        }
        catch (ProduceException<string, byte[]> ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Error.Reason);
            return Outcome(ex.Error, ex.DeliveryResult.Status);
        }
        finally
        {
            ApplyApiTelemetry.PublishDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// What a failed publish means for the slot. Only a message the brokers certainly never stored may free it.
    /// A message timeout never proves that: librdkafka fails the messages of a request still in flight when
    /// <c>message.timeout.ms</c> runs out, and a hung broker may write them later. Its own documentation says so, and
    /// against a broker stopped mid-race it reported them <see cref="PersistenceStatus.NotPersisted"/> all the same
    /// (README.md, Guarantees: "Kafka hangs").
    /// </summary>
    internal static PublishOutcome Outcome(Error error, PersistenceStatus status) =>
        status == PersistenceStatus.NotPersisted && error.Code != ErrorCode.Local_MsgTimedOut
            ? PublishOutcome.NotPersisted
            : PublishOutcome.Unknown;
}

internal enum PublishOutcome
{
    Acknowledged,
    /// <summary>Definitely not stored by Kafka: refused by the brokers, or never handed to them.</summary>
    NotPersisted,
    /// <summary>Possibly stored (a timeout, or a request cut off): the slot must not be freed blindly.</summary>
    Unknown,
}
