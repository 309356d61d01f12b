using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

public static class KafkaExtensions
{
    /// <summary>
    /// A shared, idempotent <see cref="IProducer{TKey,TValue}"/> (acks=all) to the brokers in
    /// <c>ConnectionStrings:{connectionName}</c>, with a readiness check that fetches cluster metadata.
    /// Settings under <c>Kafka:Producer</c> (any librdkafka property) override the defaults.
    /// </summary>
    public static IHostApplicationBuilder AddKafkaProducer(this IHostApplicationBuilder builder, string connectionName,
        Action<ProducerConfig>? configure = null, Action<ProducerBuilder<string, byte[]>>? configureBuilder = null)
    {
        var config = new ProducerConfig(builder.Configuration.GetSection("Kafka:Producer").Get<Dictionary<string, string>>() ?? [])
        {
            BootstrapServers = GetBootstrapServers(builder, connectionName),
        };
        config.EnableIdempotence ??= true;
        config.Acks ??= Acks.All;
        // Back within a second of a broker's return (librdkafka waits up to 10 s by default).
        config.ReconnectBackoffMaxMs ??= 1000;
        // Every produce here has a request waiting on its acknowledgement: librdkafka's 5 ms linger would be
        // most of the request's time. Batches still form from what arrives while a request is in flight.
        config.LingerMs ??= 0.5;
        config.SocketNagleDisable ??= true;
        // A delivery report needs only its status, partition and offset: copying the key, value and headers back into
        // .NET for every message is work on the publish path for nothing.
        config.DeliveryReportFields ??= "status";
        configure?.Invoke(config);

        builder.Services.AddSingleton(_ =>
        {
            var producer = new ProducerBuilder<string, byte[]>(config);
            configureBuilder?.Invoke(producer);
            return producer.Build();
        });
        builder.Services.AddKafkaHealthCheck(connectionName, config.BootstrapServers);
        return builder;
    }

    /// <summary>The consumer's settings from <c>Kafka:Consumer</c>, with the brokers from the connection string.</summary>
    public static ConsumerConfig GetKafkaConsumerConfig(this IHostApplicationBuilder builder, string connectionName)
    {
        var config = new ConsumerConfig(builder.Configuration.GetSection("Kafka:Consumer").Get<Dictionary<string, string>>() ?? [])
        {
            BootstrapServers = GetBootstrapServers(builder, connectionName),
        };
        // A crashed member's partitions move to the others after 10 s rather than Kafka's default 45 s.
        config.SessionTimeoutMs ??= 10_000;
        config.HeartbeatIntervalMs ??= 3_000;
        config.ReconnectBackoffMaxMs ??= 1000;
        // A broker that stops answering costs 10 s of a stalled fetch, not librdkafka's default 60 s.
        config.SocketTimeoutMs ??= 10_000;
        builder.Services.AddKafkaHealthCheck(connectionName, config.BootstrapServers);
        return config;
    }

    private static string GetBootstrapServers(IHostApplicationBuilder builder, string connectionName) =>
        builder.Configuration.GetConnectionString(connectionName)
        ?? throw new InvalidOperationException(
            $"Connection string '{connectionName}' is missing: set ConnectionStrings__{connectionName} (the AppHost does).");

    private static void AddKafkaHealthCheck(this IServiceCollection services, string name, string bootstrapServers)
    {
        if (services.Any(s => s.ServiceType == typeof(KafkaHealthCheck))) return;
        services.AddSingleton(new KafkaHealthCheck(bootstrapServers));
        services.AddHealthChecks().AddCheck<KafkaHealthCheck>(name, tags: ["ready"]);
    }

    /// <summary>Healthy when a broker answers a metadata request within two seconds.</summary>
    private sealed class KafkaHealthCheck(string bootstrapServers) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.Run(() =>
            {
                try
                {
                    // A fresh client per check: a long-lived one can sit on a connection a broker outage left dead.
                    using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 2000 }).Build();
                    var metadata = admin.GetMetadata(TimeSpan.FromSeconds(2));
                    return metadata.Brokers.Count > 0
                        ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s)")
                        : HealthCheckResult.Unhealthy("No broker answered");
                }
                catch (KafkaException ex)
                {
                    return HealthCheckResult.Unhealthy("Kafka metadata request failed", ex);
                }
            }, cancellationToken);
    }
}
