using CouponEvent.Consumer.Issuing;
using CouponEvent.Data;
using CouponEvent.Data.Messages;

namespace CouponEvent.Consumer.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddCouponDatabase();
        // Before the consumer subscribes: the topics exist with their partitions and replication.
        builder.Services.AddHostedService<TopicProvisioner>();
        builder.Services.AddSingleton(builder.GetKafkaConsumerConfig(ConnectionNames.Kafka));
        // For the dead-letter topic.
        builder.AddKafkaProducer(ConnectionNames.Kafka);

        builder.Services.AddOptions<ConsumerOptions>().BindConfiguration("Consumer").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CouponWriter>();
        builder.Services.AddHostedService<CouponConsumer>();
    }
}
