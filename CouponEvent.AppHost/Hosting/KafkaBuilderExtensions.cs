using Aspire.Hosting.ApplicationModel;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>
/// Kafka, whatever runs it: librdkafka's mock broker (local mode), a confluent-local container (containers mode; the
/// package Aspire.Hosting.Kafka is not served here), or an external cluster; its topics and its health check.
/// </summary>
public static class KafkaBuilderExtensions
{
    public const string KafkaImage = "confluentinc/confluent-local";
    public const string KafkaTag = "8.1.1";
    private const int KafkaBrokerPort = 9092;
    private const int KafkaInternalBrokerPort = 9093;

    /// <summary>Kafka in a container, KRaft, as Aspire's Kafka integration runs it.</summary>
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

    /// <summary>
    /// Kafka in local mode: librdkafka's mock cluster, hosted by the CouponEvent.KafkaMock project
    /// (<c>{name}-mock</c>) behind a bootstrap port Aspire allocates, with 1 to 3 <paramref name="brokers"/>. Services
    /// get <c>ConnectionStrings__{name}</c>.
    /// </summary>
    public static IResourceBuilder<ConnectionStringResource> AddKafkaMock(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        int brokers = 1)
    {
        var mock = builder.AddProject<Projects.CouponEvent_KafkaMock>($"{name}-mock")
            .WithHttpEndpoint()
            .WithEndpoint(name: "bootstrap", scheme: "tcp", env: "KafkaMock__Port", isProxied: false)
            .WithHttpHealthCheck("/health")
            .WithoutHttpsCertificate()
            .WithEnvironment("KafkaMock__Brokers", brokers.ToString());
        var kafka = builder.AddConnectionString(name,
                ReferenceExpression.Create($"127.0.0.1:{mock.GetEndpoint("bootstrap").Property(EndpointProperty.Port)}"))
            .WithKafkaHealthCheck();
        // The mock does not answer the admin API's CreateTopics: it creates them itself, from its configuration.
        mock.WithEnvironment(context =>
        {
            foreach (var topic in kafka.Resource.Annotations.OfType<KafkaTopicAnnotation>())
            {
                context.EnvironmentVariables[$"KafkaMock__Topics__{topic.Name}"] = topic.Partitions.ToString();
                // Its health warns when the group's unread messages near what the mock keeps of a partition.
                if (topic.ReadBy is { } group) context.EnvironmentVariables[$"KafkaMock__Readers__{topic.Name}"] = group;
            }
        });
        mock.WithParentRelationship(kafka);
        for (var broker = 1; broker <= brokers; broker++)
        {
            var (id, which) = (broker, brokers == 1 ? "the broker" : $"broker {broker}");
            var suffix = brokers == 1 ? "" : $"-{broker}";
            mock.WithCommand($"broker{suffix}-down", $"Take {which} down", _ => BrokerCommandAsync(mock.Resource, id, "down"),
                    new CommandOptions { Description = $"Refuse and drop every Kafka connection to {which} until it is back up; its partitions' leadership moves to a broker that is up.", IconName = "PlugDisconnected" })
                .WithCommand($"broker{suffix}-up", $"Bring {which} up", _ => BrokerCommandAsync(mock.Resource, id, "up"),
                    new CommandOptions { IconName = "PlugConnected" });
        }
        return kafka;
    }

    /// <summary>
    /// Provisions <paramref name="topic"/>, read by <paramref name="readBy"/>, and its dead-letter topic (one partition:
    /// rare, and read by people) when Kafka is ready; topics that exist are left as they are.
    /// </summary>
    public static IResourceBuilder<T> WithTopic<T>(this IResourceBuilder<T> kafka, string topic, int partitions, string readBy, string deadLetterTopic)
        where T : IResourceWithConnectionString
    {
        kafka.WithAnnotation(new KafkaTopicAnnotation(topic, partitions, readBy));
        kafka.WithAnnotation(new KafkaTopicAnnotation(deadLetterTopic, 1));
        return kafka;
    }

    /// <summary>
    /// A real Kafka (a container or an external cluster): the missing topics created once it answers, replicated as
    /// <see cref="TopicProvisioning"/> says (3 copies, two in sync; one on a single broker).
    /// </summary>
    public static IResourceBuilder<T> WithTopicsCreatedOnReady<T>(this IResourceBuilder<T> kafka) where T : IResourceWithConnectionString
    {
        kafka.OnResourceReady(async (resource, _, cancellationToken) =>
        {
            var bootstrap = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            await TopicProvisioning.CreateMissingAsync(bootstrap!,
                resource.Annotations.OfType<KafkaTopicAnnotation>().Select(t => new TopicDefinition(t.Name, t.Partitions)));
        });
        return kafka;
    }

    /// <summary>Healthy when a broker answers a metadata request, as Aspire's Kafka integration checks.</summary>
    public static IResourceBuilder<T> WithKafkaHealthCheck<T>(this IResourceBuilder<T> kafka) where T : IResourceWithConnectionString
    {
        var healthCheckKey = $"{kafka.Resource.Name}_check";
        kafka.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new KafkaHealthCheck(kafka.Resource), failureStatus: null, tags: null));
        return kafka.WithHealthCheck(healthCheckKey);
    }

    private static async Task<ExecuteCommandResult> BrokerCommandAsync(ProjectResource mock, int broker, string action)
    {
        var endpoint = mock.GetEndpoint("http");
        using var http = new HttpClient { BaseAddress = new Uri(endpoint.Url), Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.PostAsync($"/brokers/{broker}/{action}", content: null);
        return response.IsSuccessStatusCode
            ? CommandResults.Success()
            : CommandResults.Failure($"The mock answered {(int)response.StatusCode}.");
    }

    private sealed class KafkaHealthCheck(IResourceWithConnectionString kafka) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var bootstrap = await kafka.ConnectionStringExpression.GetValueAsync(cancellationToken);
                // Quiet: while the broker starts, every refused connection would be a line on the AppHost's console.
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap, SocketTimeoutMs = 2000 })
                    .SetLogHandler((_, _) => { })
                    .SetErrorHandler((_, _) => { })
                    .Build();
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(2));
                return metadata.Brokers.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("No broker answered.");
            }
            catch (KafkaException ex)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}
