using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace CouponEvent.Data;

/// <summary>
/// Applies EF migrations before the service starts. Replicas starting together queue on a named MySQL lock,
/// so exactly one of them migrates and the others find nothing left to do. Waits for the server to come up.
/// </summary>
public sealed partial class DatabaseMigrator(IServiceProvider services, TimeProvider time, ILogger<DatabaseMigrator> logger) : IHostedService
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(cancellationToken);
                return;
            }
            catch (MySqlException ex) when (ex.IsTransient && time.GetElapsedTime(started) < GiveUpAfter)
            {
                LogWaiting(logger, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), time, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CouponDbContext>().Database;

        if (!await NamedLock.RunAsync(db, "coupondb.migrations", TimeSpan.FromSeconds(120), () => db.MigrateAsync(cancellationToken), cancellationToken))
            throw new TimeoutException("Another replica held the migration lock for 120 s.");
    }

    [LoggerMessage(1, LogLevel.Warning, "Database not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogWaiting(ILogger logger, int attempt, string reason);
}
