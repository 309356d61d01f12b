using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Testcontainers.Kafka;
using Testcontainers.MySql;
using Testcontainers.Redis;

namespace CouponEvent.AppHost.Hosting;

/// <summary>
/// Containers mode: the images and settings an Aspire AppHost uses, started with Testcontainers' own modules,
/// and the connection strings in Aspire's formats.
/// </summary>
public static class Containers
{
    public const string RedisImage = "docker.io/library/redis:7.4";
    public const string KafkaImage = "docker.io/confluentinc/confluent-local:7.9.0";
    public const string MySqlImage = "docker.io/library/mysql:9.1";
    public const string DashboardImage = "mcr.microsoft.com/dotnet/aspire-dashboard:9.5";
    public const int DashboardUiPort = 18888;
    public const int DashboardOtlpHttpPort = 18890;

    public static RedisContainer Redis() => new RedisBuilder(RedisImage)
        .WithCommand("--appendonly", "yes", "--maxmemory-policy", "noeviction")
        .Build();

    public static KafkaContainer Kafka() => new KafkaBuilder(KafkaImage).WithKRaft().Build();

    public static MySqlContainer MySql(string database, string password) => new MySqlBuilder(MySqlImage)
        .WithDatabase(database).WithUsername("root").WithPassword(password)
        .Build();

    /// <summary>The standalone dashboard, anonymous, receiving OTLP over HTTP.</summary>
    public static IContainer Dashboard() => new ContainerBuilder(DashboardImage)
        .WithPortBinding(DashboardUiPort, assignRandomHostPort: true)
        .WithPortBinding(DashboardOtlpHttpPort, assignRandomHostPort: true)
        .WithEnvironment("DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", "true")
        .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(DashboardUiPort)))
        .Build();

    /// <summary>Aspire's MySQL format: <c>Server=...;Port=...;User ID=root;Password=...;Database=...</c>.</summary>
    public static string MySqlConnectionString(string host, int port, string password, string database) =>
        $"Server={host};Port={port};User ID=root;Password={password};Database={database}";

    /// <summary>Aspire's Redis format: <c>host:port</c>.</summary>
    public static string RedisConnectionString(string host, int port) => $"{host}:{port}";
}
