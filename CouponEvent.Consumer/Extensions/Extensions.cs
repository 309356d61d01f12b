using CouponEvent.Consumer.Issuing;
using CouponEvent.Data;

namespace CouponEvent.Consumer.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddCouponDatabase();
        builder.Services.AddSingleton(builder.GetKafkaConsumerConfig(ConnectionNames.Kafka));
        // For the dead-letter topic.
        builder.AddKafkaProducer(ConnectionNames.Kafka);

        builder.Services.AddOptions<ConsumerOptions>().BindConfiguration("Consumer").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CouponWriter>();
        builder.Services.AddHostedService<CouponConsumer>();
    }
}
