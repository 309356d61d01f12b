using Aspire.Hosting.ApplicationModel;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>A topic to provision at start, with its partition count, and the consumer group that must read it (if any).</summary>
public sealed record KafkaTopicAnnotation(string Name, int Partitions, string? ReadBy = null) : IResourceAnnotation;

public static class KafkaBuilderExtensions
{
    /// <summary>
    /// Kafka in local mode: librdkafka's mock cluster, hosted by the CouponEvent.KafkaMock project
    /// (<c>{name}-mock</c>) behind a bootstrap port Aspire allocates. Services get <c>ConnectionStrings__{name}</c>.
    /// </summary>
    public static IResourceBuilder<ConnectionStringResource> AddKafkaMock(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var mock = builder.AddProject<Projects.CouponEvent_KafkaMock>($"{name}-mock")
            .WithHttpEndpoint()
            .WithEndpoint(name: "bootstrap", scheme: "tcp", env: "KafkaMock__Port", isProxied: false)
            .WithHttpHealthCheck("/health")
            .WithoutHttpsCertificate();
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
        mock.WithParentRelationship(kafka)
            .WithCommand("broker-down", "Take the broker down", _ => BrokerCommandAsync(mock.Resource, "down"),
                new CommandOptions { Description = "Refuse and drop every Kafka connection until the broker is back up.", IconName = "PlugDisconnected" })
            .WithCommand("broker-up", "Bring the broker up", _ => BrokerCommandAsync(mock.Resource, "up"),
                new CommandOptions { IconName = "PlugConnected" });
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

    /// <summary>A real Kafka (a container or an external cluster): topics created through the admin API once it answers.</summary>
    public static IResourceBuilder<T> WithTopicsCreatedOnReady<T>(this IResourceBuilder<T> kafka) where T : IResourceWithConnectionString
    {
        kafka.OnResourceReady(async (resource, _, cancellationToken) =>
        {
            var bootstrap = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
            var topics = resource.Annotations.OfType<KafkaTopicAnnotation>()
                .Select(t => new TopicSpecification { Name = t.Name, NumPartitions = t.Partitions, ReplicationFactor = -1 })
                .ToList();
            try
            {
                await admin.CreateTopicsAsync(topics);
            }
            catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
                // Already provisioned.
            }
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

    private static async Task<ExecuteCommandResult> BrokerCommandAsync(ProjectResource mock, string action)
    {
        var endpoint = mock.GetEndpoint("http");
        using var http = new HttpClient { BaseAddress = new Uri(endpoint.Url), Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.PostAsync($"/brokers/1/{action}", content: null);
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
