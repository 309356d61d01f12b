using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace Aspire.Hosting;

public static class MySqlDatabaseBuilderExtensions
{
    /// <summary>
    /// A database on <paramref name="server"/>, created by the server's initialisation. Aspire mirrors a parent's
    /// state onto a container's children only, so the database follows its server's state here: without it,
    /// <c>WaitFor(coupondb)</c> would wait for ever, silently.
    /// </summary>
    public static IResourceBuilder<MySqlDatabaseResource> AddDatabase<T>(this IResourceBuilder<T> server,
        [ResourceName] string name, string? databaseName = null) where T : IResourceWithConnectionString
    {
        var database = new MySqlDatabaseResource(name, databaseName ?? name, server.Resource);

        return server.ApplicationBuilder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "MySqlDatabase",
                State = KnownResourceStates.NotStarted,
                Properties = [new("database.name", database.DatabaseName)],
            })
            .OnInitializeResource(async (resource, initialize, cancellationToken) =>
            {
                await foreach (var update in initialize.Notifications.WatchAsync(cancellationToken))
                {
                    if (update.Resource != (IResource)server.Resource || update.Snapshot.State is not { } state) continue;
                    await initialize.Notifications.PublishUpdateAsync(resource, s => s with { State = state });
                }
            })
            .WithMySqlHealthCheck();
    }

    /// <summary>
    /// Healthy when the server answers <c>SELECT 1</c> (in the database, for a database: it exists too). A server is
    /// Running before it accepts connections (InnoDB recovers first); what waits for it must wait for this.
    /// </summary>
    public static IResourceBuilder<T> WithMySqlHealthCheck<T>(this IResourceBuilder<T> resource) where T : IResourceWithConnectionString
    {
        var healthCheckKey = $"{resource.Resource.Name}_check";
        resource.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new MySqlHealthCheck(resource.Resource), failureStatus: null, tags: null));
        return resource.WithHealthCheck(healthCheckKey);
    }

    private sealed class MySqlHealthCheck(IResourceWithConnectionString database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await database.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await using var connection = new MySqlConnection($"{connectionString};Pooling=false;Connection Timeout=2");
                await connection.OpenAsync(cancellationToken);
                await using var command = new MySqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is MySqlException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}
