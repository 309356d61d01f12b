using System.Net.Sockets;
using CouponEvent.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CouponEvent.AppHost;

/// <summary>Where Redis, Kafka and MySQL come from: <c>--AppHost:Mode=local|containers|external</c>.</summary>
public enum InfrastructureMode
{
    /// <summary>redis-server and mariadbd from the machine's packages, librdkafka's mock broker: no Docker needed.</summary>
    Local,
    /// <summary>Aspire's Redis container, confluent-local and MySQL containers.</summary>
    Containers,
    /// <summary>Servers that already run: <c>ConnectionStrings:redis</c>, <c>:kafka</c>, <c>:coupondb</c>.</summary>
    External,
}

/// <summary>
/// How many of each: <c>--AppHost:Topology=single|cluster</c>. A cluster is a Redis Cluster of 3 primaries and 3
/// replicas, a 3-broker Kafka whose topics keep 3 copies, and 2 ApplyApi, 3 Consumer and 2 RetryJob replicas.
/// </summary>
public enum Topology
{
    Single,
    Cluster,
}

/// <summary>The three servers every service references, whatever runs them.</summary>
public sealed record Infrastructure(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Kafka,
    IResourceBuilder<IResourceWithConnectionString> CouponDb);

public static class InfrastructureExtensions
{
    /// <summary>The configured mode; without one, containers when a Docker engine answers, else local.</summary>
    public static InfrastructureMode GetInfrastructureMode(this IDistributedApplicationBuilder builder) =>
        builder.Configuration["AppHost:Mode"] switch
        {
            null or "" => DockerEngineAnswers() ? InfrastructureMode.Containers : InfrastructureMode.Local,
            var mode when Enum.TryParse<InfrastructureMode>(mode, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) => parsed,
            var mode => throw new DistributedApplicationException($"AppHost:Mode takes local, containers or external; got '{mode}'."),
        };

    public static Topology GetTopology(this IDistributedApplicationBuilder builder) =>
        builder.Configuration["AppHost:Topology"] switch
        {
            null or "" => Topology.Single,
            var topology when Enum.TryParse<Topology>(topology, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) => parsed,
            var topology => throw new DistributedApplicationException($"AppHost:Topology takes single or cluster; got '{topology}'."),
        };

    /// <summary>Each service's replicas in the cluster topology; one of each in a single one.</summary>
    private static readonly Dictionary<string, int> ClusterReplicas = new() { ["applyapi"] = 2, ["consumer"] = 3, ["retryjob"] = 2 };

    /// <summary><c>--AppHost:Replicas:consumer=3</c>; by default 1, or the cluster topology's.</summary>
    public static int GetReplicas(this IDistributedApplicationBuilder builder, string name)
    {
        var byDefault = builder.GetTopology() == Topology.Cluster ? ClusterReplicas.GetValueOrDefault(name, 1) : 1;
        return builder.Configuration.GetValue($"AppHost:Replicas:{name}", byDefault) is var replicas and >= 1
            ? replicas
            : throw new DistributedApplicationException($"AppHost:Replicas:{name} must be at least 1.");
    }

    public static Infrastructure AddInfrastructure(this IDistributedApplicationBuilder builder, string databaseName)
    {
        var cluster = builder.GetTopology() == Topology.Cluster;
        switch (builder.GetInfrastructureMode())
        {
            case InfrastructureMode.Local:
                var dataRoot = builder.AddTemporaryDataRoot();
                var mysql = builder.AddMariaDbServer("mysql", dataRoot, databaseName);
                return new(
                    cluster
                        ? AsConnectionString(builder.AddRedisCluster(ConnectionNames.Redis, dataRoot))
                        : AsConnectionString(builder.AddRedisServer(ConnectionNames.Redis, dataRoot)),
                    AsConnectionString(builder.AddKafkaMock(ConnectionNames.Kafka, brokers: cluster ? 3 : 1)),
                    AsConnectionString(mysql.AddDatabase(databaseName)));
            case InfrastructureMode.Containers when cluster:
                // Nodes in containers announce addresses the services on the host cannot reach, and confluent-local is
                // one broker: a cluster in containers is a deployment's (docs/scaling.md), given here in external mode.
                throw new DistributedApplicationException(
                    "AppHost:Topology=cluster runs in local mode (redis-server nodes and a 3-broker mock Kafka) or in external mode (your cluster's addresses in ConnectionStrings:redis and :kafka); containers mode runs single. See docs/scaling.md.");
            case InfrastructureMode.Containers:
                return new(
                    AsConnectionString(builder.AddRedis(ConnectionNames.Redis).WithDataVolume()
                        .WithServerArgs("--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction")),
                    AsConnectionString(builder.AddKafkaContainer(ConnectionNames.Kafka)),
                    AsConnectionString(builder.AddMySqlContainer("mysql").AddDatabase(databaseName)));
            default:
                return new(
                    builder.AddConnectionString(ConnectionNames.Redis),
                    AsConnectionString(builder.AddConnectionString(ConnectionNames.Kafka).WithTopicsCreatedOnReady()),
                    builder.AddConnectionString(databaseName));
        }
    }

    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(IResourceBuilder<T> resource)
        where T : IResourceWithConnectionString =>
        resource.ApplicationBuilder.CreateResourceBuilder<IResourceWithConnectionString>(resource.Resource);

    /// <summary>
    /// Local servers keep their data in a temporary folder, removed when the AppHost stops, and at the latest when its
    /// process exits (a Ctrl+C during start-up stops the host before it ever reports started).
    /// </summary>
    private static string AddTemporaryDataRoot(this IDistributedApplicationBuilder builder)
    {
        // Created by the servers' extensions when the AppHost starts; a model that is only built leaves nothing.
        var root = Path.Combine(Path.GetTempPath(), $"couponevent-{Guid.NewGuid():N}");
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((created, _) =>
        {
            created.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() => DeleteWhenReleased(root));
            return Task.CompletedTask;
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteWhenReleased(root);
        return root;
    }

    /// <summary>
    /// The servers may still be closing their files when the AppHost stops (DCP signals them and returns): try again
    /// for a few seconds rather than leave the folder behind.
    /// </summary>
    private static void DeleteWhenReleased(string folder)
    {
        for (var attempt = 0; attempt < 50 && Directory.Exists(folder); attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>A Docker engine answers <c>/_ping</c> on its socket.</summary>
    private static bool DockerEngineAnswers()
    {
        const string socket = "/var/run/docker.sock";
        if (!File.Exists(socket)) return false;
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            }) { Timeout = TimeSpan.FromSeconds(2) };
            return http.GetAsync("http://docker/_ping").GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException)
        {
            return false;
        }
    }
}
