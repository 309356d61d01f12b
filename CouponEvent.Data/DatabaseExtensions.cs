using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

namespace CouponEvent.Data;

public static class DatabaseExtensions
{
    /// <summary>The Aspire resource name: <c>ConnectionStrings__coupondb</c>.</summary>
    public const string ConnectionName = "coupondb";

    /// <summary>
    /// MySQL for a service: one <see cref="MySqlDataSource"/> (raw batched SQL shares its pool with EF),
    /// a pooled <see cref="CouponDbContext"/>, a readiness check, and migrations applied at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddCouponDatabase(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException(
                $"Connection string '{ConnectionName}' is missing: set ConnectionStrings__{ConnectionName} (the AppHost does).");
        // MariaDB 10.11 and MySQL 8 both understand the SQL we generate; name the server for other targets.
        var serverVersion = ServerVersion.Parse(builder.Configuration["Database:ServerVersion"] ?? "10.11.0-mariadb");

        builder.Services.AddSingleton(_ => new MySqlDataSourceBuilder(connectionString).Build());
        builder.Services.AddDbContextPool<CouponDbContext>((sp, options) =>
            options.UseMySql(sp.GetRequiredService<MySqlDataSource>(), serverVersion));
        builder.Services.AddHealthChecks().AddDbContextCheck<CouponDbContext>("mysql", tags: ["ready"]);
        builder.Services.AddHostedService<DatabaseMigrator>();
        return builder;
    }
}
