using System.Security.Cryptography;
using CouponEvent.AppHost.Hosting;

namespace Aspire.Hosting;

public static class MariaDbBuilderExtensions
{
    /// <summary>
    /// mariadbd from the machine's packages (MySQL-compatible), on a loopback port Aspire allocates. Its data folder
    /// is prepared by <c>{name}-init</c> (mariadb-install-db), which the server waits for.
    /// </summary>
    public static IResourceBuilder<MariaDbServerResource> AddMariaDbServer(this IDistributedApplicationBuilder builder,
        [ResourceName] string name, string dataRoot, string databaseName)
    {
        var directory = Path.Combine(dataRoot, name);
        var dataDirectory = Path.Combine(directory, "data");
        var passwordValue = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var password = builder.AddParameter($"{name}-password", passwordValue, secret: true);

        // Runs at every start of the server: idempotent. The TCP root user gets the password; the database exists.
        var initFile = Path.Combine(directory, "init.sql");
        builder.Eventing.Subscribe<BeforeStartEvent>(async (_, cancellationToken) =>
        {
            Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(initFile, $"""
                CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{passwordValue}';
                GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
                CREATE DATABASE IF NOT EXISTS `{databaseName}`;
                """, cancellationToken);
        });

        var init = builder.AddExecutable($"{name}-init", Executables.Find("mariadb-install-db", "mariadb-server"), directory,
            "--no-defaults", $"--datadir={dataDirectory}", "--user=root",
            "--auth-root-authentication-method=normal", "--skip-test-db");

        var server = new MariaDbServerResource(name, Executables.Find("mariadbd", "mariadb-server"), directory, password.Resource);
        var serverBuilder = builder.AddResource(server)
            .WithEndpoint(name: MariaDbServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                // --no-defaults must come first.
                context.Args.Add("--no-defaults");
                context.Args.Add(ReferenceExpression.Create($"--port={server.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"));
                foreach (var arg in new[] {
                    $"--datadir={dataDirectory}", "--user=root",
                    "--bind-address=127.0.0.1", "--skip-name-resolve",
                    $"--socket={Path.Combine(directory, "mysqld.sock")}", $"--pid-file={Path.Combine(directory, "mysqld.pid")}",
                    $"--init-file={initFile}",
                    "--skip-log-bin", "--innodb-buffer-pool-size=256M", "--max-connections=500",
                    // Local mode trades a second of durability on an OS crash for speed; a process crash loses nothing.
                    "--innodb-flush-log-at-trx-commit=2",
                    "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                }) context.Args.Add(arg);
            })
            .WaitForCompletion(init)
            .WithMySqlHealthCheck();
        init.WithParentRelationship(serverBuilder);
        return serverBuilder;
    }
}
