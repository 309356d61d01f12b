using System.Diagnostics;
using Confluent.Kafka;
using CouponEvent.Data.Messages;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>Publishes an admitted application to <c>coupon_create</c> and waits for the brokers' acknowledgement.</summary>
public sealed class ApplicationPublisher(IProducer<string, byte[]> producer)
{
    internal async Task<PublishOutcome> PublishAsync(CouponApplication application)
    {
        using var activity = ApplyApiTelemetry.Source.StartActivity($"{Topics.CouponCreate} publish", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", Topics.CouponCreate);
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
            // NotPersisted: the brokers never stored it, so freeing the slot cannot lose a coupon.
            return ex.DeliveryResult.Status == PersistenceStatus.NotPersisted
                ? PublishOutcome.NotPersisted
                : PublishOutcome.Unknown;
        }
        finally
        {
            ApplyApiTelemetry.PublishDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}

internal enum PublishOutcome
{
    Acknowledged,
    /// <summary>Definitely not stored by Kafka.</summary>
    NotPersisted,
    /// <summary>Possibly stored (for example a timeout after sending): the slot must not be freed blindly.</summary>
    Unknown,
}
