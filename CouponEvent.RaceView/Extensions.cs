using CouponEvent.Data;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.RaceView;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedis(ConnectionNames.Redis);
        // ApplyApi migrates the database; the race view only reads it.
        builder.AddCouponDatabase(migrate: false);
        builder.AddTokenAuthorization();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RaceBoard>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RaceBoard>());
    }
}
