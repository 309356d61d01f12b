using CouponEvent.Consumer.Issuing;
using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;

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
        // Only to announce the statuses it changes (StatusChanges): coupons are written whether Redis answers or not.
        builder.AddRedis(ConnectionNames.Redis, healthCheck: false);

        builder.Services.AddOptions<ConsumerOptions>().BindConfiguration("Consumer").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StatusChanges>();
        builder.Services.AddSingleton<CouponWriter>();
        builder.Services.AddHostedService<CouponConsumer>();
    }
}
