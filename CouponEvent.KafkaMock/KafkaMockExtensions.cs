using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CouponEvent.KafkaMock;

public static class KafkaMockExtensions
{
    public static void AddMockKafkaCluster(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KafkaMockOptions>()
            .BindConfiguration(KafkaMockOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<KafkaMockOptions>>().Value;
            var cluster = MockKafkaCluster.Start(options.Brokers);
            foreach (var (topic, partitions) in options.Topics) cluster.CreateTopic(topic, partitions);
            return cluster;
        });
        builder.Services.AddSingleton<BootstrapRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BootstrapRelay>());
        builder.Services.AddHealthChecks()
            .AddCheck<BootstrapRelay>("kafka-mock")
            .AddCheck<UnreadLogCheck>("unread-log");
    }

    /// <summary>Fault injection for tests and the dashboard's commands: a broker down refuses and drops connections.</summary>
    public static RouteGroupBuilder MapBrokerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/brokers/{brokerId}");
        api.MapPost("/down", (int brokerId, MockKafkaCluster cluster) => Toggle(cluster, brokerId, cluster.SetBrokerDown));
        api.MapPost("/up", (int brokerId, MockKafkaCluster cluster) => Toggle(cluster, brokerId, cluster.SetBrokerUp));
        return api;
    }

    /// <summary>
    /// Fault injection: <c>POST /topics/{topic}/partitions/{partition}/delete-records?beforeOffset=N</c> deletes a
    /// partition's messages before offset N (-1: all of them), as Kafka's DeleteRecords or its retention would.
    /// </summary>
    public static RouteGroupBuilder MapRecordsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/topics/{topic}/partitions/{partition}");
        api.MapPost("/delete-records", DeleteRecords);
        return api;
    }

    private static Results<Ok<DeletedRecords>, ProblemHttpResult> DeleteRecords(string topic, int partition, long beforeOffset,
        MockKafkaCluster cluster)
    {
        if (beforeOffset < -1)
            return TypedResults.Problem(ProblemTypes.InvalidOffset.With("beforeOffset is an offset (0 or more), or -1 for the partition's high watermark.", "beforeOffset"));
        var deleted = partition < 0 ? null : cluster.DeleteRecords(topic, partition, beforeOffset);
        if (deleted is null)
            return TypedResults.Problem(ProblemTypes.PartitionNotFound.With($"Topic '{topic}' has no partition {partition}."));
        if (beforeOffset > deleted.HighWatermark)
            return TypedResults.Problem(ProblemTypes.InvalidOffset.With($"beforeOffset is past the partition's end: at most {deleted.HighWatermark}, the high watermark.", "beforeOffset"));
        return TypedResults.Ok(deleted);
    }

    private static Results<NoContent, ProblemHttpResult> Toggle(MockKafkaCluster cluster, int brokerId, Action<int> toggle)
    {
        // The mock's brokers are numbered from 1.
        if (brokerId < 1 || brokerId > cluster.Brokers)
            return TypedResults.Problem(ProblemTypes.BrokerNotFound.With($"brokerId is between 1 and {cluster.Brokers}."));
        toggle(brokerId);
        return TypedResults.NoContent();
    }
}
