using CouponEvent.Data;
using CouponEvent.RetryJob.Retrying;

namespace CouponEvent.RetryJob.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddCouponDatabase();

        builder.Services.AddOptions<RetryOptions>().BindConfiguration("Retry").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FailedEventRetrier>();
        builder.Services.AddHostedService<RetryWorker>();
    }
}
