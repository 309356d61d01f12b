using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>
/// Kafka and MySQL as containers, for machines with a Docker engine (the packages Aspire.Hosting.Kafka and
/// Aspire.Hosting.MySql are not served here); Redis comes from Aspire.Hosting.Redis.
/// </summary>
public static class ContainerBuilderExtensions
{
    public const string KafkaImage = "confluentinc/confluent-local";
    public const string KafkaTag = "8.1.1";
    public const string MySqlImage = "library/mysql";
    public const string MySqlTag = "9.6";
    private const int KafkaBrokerPort = 9092;
    private const int KafkaInternalBrokerPort = 9093;

    public static IResourceBuilder<KafkaServerResource> AddKafkaContainer(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var kafka = new KafkaServerResource(name);
        var listeners = $"PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:{KafkaBrokerPort},PLAINTEXT_INTERNAL://0.0.0.0:{KafkaInternalBrokerPort}";
        return builder.AddResource(kafka)
            .WithImage(KafkaImage, KafkaTag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: KafkaBrokerPort, name: KafkaServerResource.PrimaryEndpointName)
            .WithEndpoint(targetPort: KafkaInternalBrokerPort, name: KafkaServerResource.InternalEndpointName)
            // KRaft with a listener for the host (the services) and one for other containers, as Aspire's integration sets them.
            .WithEnvironment("KAFKA_LISTENERS", listeners)
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT_INTERNAL:PLAINTEXT")
            .WithEnvironment(context => context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                $"PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:{kafka.PrimaryEndpoint.Property(EndpointProperty.Port)},PLAINTEXT_INTERNAL://{name}:{kafka.InternalEndpoint.Property(EndpointProperty.TargetPort)}"))
            .WithVolume($"couponevent-{name}-data", "/var/lib/kafka/data")
            .WithKafkaHealthCheck()
            .WithTopicsCreatedOnReady();
    }

    public static IResourceBuilder<MySqlServerResource> AddMySqlContainer(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 22, Special = false }, secret: true);
        var mysql = new MySqlServerResource(name, password.Resource);
        return builder.AddResource(mysql)
            .WithImage(MySqlImage, MySqlTag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: 3306, name: MySqlServerResource.PrimaryEndpointName)
            .WithEnvironment("MYSQL_ROOT_PASSWORD", password)
            .WithVolume($"couponevent-{name}-data", "/var/lib/mysql")
            .WithMySqlHealthCheck();
    }
}
