using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

namespace CouponEvent.Data;

public static class DatabaseExtensions
{

    /// <summary>The server the SQL is generated for unless <c>Database:ServerVersion</c> names another.</summary>
    public const string DefaultServerVersion = "10.11.0-mariadb";

    /// <summary>Service key of the <see cref="MySqlDataSource"/> for hand-written SQL.</summary>
    public const string RawSql = "coupondb.raw";

    /// <summary>
    /// MySQL for a service: a pooled <see cref="CouponDbContext"/>, a <see cref="MySqlDataSource"/> for the hand-written
    /// batch SQL, a readiness check, and migrations applied at start-up (unless <paramref name="migrate"/> is false: a reader).
    /// </summary>
    public static IHostApplicationBuilder AddCouponDatabase(this IHostApplicationBuilder builder, bool migrate = true)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionNames.CouponDb)
            ?? throw new InvalidOperationException(
                $"Connection string '{ConnectionNames.CouponDb}' is missing: set ConnectionStrings__{ConnectionNames.CouponDb} (the AppHost does).");
        // MariaDB 10.11 and MySQL 8 both understand the SQL we generate; name the server for other targets.
        var serverVersion = ServerVersion.Parse(builder.Configuration["Database:ServerVersion"] ?? DefaultServerVersion);

        // The raw SQL counts affected rows (MySqlConnector's default) to tell new coupons from redeliveries;
        // Pomelo insists on found rows and would pick up an unkeyed data source, so this one is keyed.
        builder.Services.AddKeyedSingleton(RawSql, (_, _) => new MySqlDataSourceBuilder(connectionString).Build());
        builder.Services.AddDbContextPool<CouponDbContext>(options => options.UseMySql(connectionString, serverVersion));
        builder.Services.AddHealthChecks().AddDbContextCheck<CouponDbContext>("mysql", tags: ["ready"]);
        if (migrate)
        {
            builder.Services.TryAddSingleton(TimeProvider.System);
            builder.Services.AddHostedService<DatabaseMigrator>();
        }
        return builder;
    }
}
