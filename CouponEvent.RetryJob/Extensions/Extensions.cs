using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Redis;
using CouponEvent.RetryJob.Reconciling;
using CouponEvent.RetryJob.Retrying;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace CouponEvent.RetryJob.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddCouponDatabase();
        builder.AddRedis(ConnectionNames.Redis);
        var kafka = builder.GetKafkaConsumerConfig(ConnectionNames.Kafka);

        builder.Services.AddOptions<RetryOptions>().BindConfiguration("Retry").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StatusChanges>();
        builder.Services.AddSingleton<FailedEventRetrier>();
        builder.Services.AddHostedService<RetryWorker>();

        builder.Services.AddOptions<ReconciliationOptions>().BindConfiguration("Reconciliation").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(new KafkaConsumerLag(kafka.BootstrapServers, Topics.CouponConsumerGroup, Topics.CouponCreate));
        builder.Services.AddSingleton<CouponWriter>();
        builder.Services.AddScoped<Reconciler>();
        builder.Services.AddHostedService<ReconciliationWorker>();
    }
}
