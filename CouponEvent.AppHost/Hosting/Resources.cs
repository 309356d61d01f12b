using CouponEvent.AppHost.Local;
using CouponEvent.Data.Messages;

namespace CouponEvent.AppHost.Hosting;

public abstract class Resource(string name)
{
    internal readonly TaskCompletionSource ReadySource = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;
    /// <summary>Completes once the resource is up (healthy, for a service); what <c>WaitFor</c> waits on.</summary>
    public virtual Task Ready => ReadySource.Task;
    public abstract string State { get; }
    /// <summary>What the summary table shows as this resource's address.</summary>
    public abstract string? Target { get; }
}

/// <summary>A resource whose address a service receives as <c>ConnectionStrings__{Name}</c>.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }
    string ConnectionString { get; }
}

/// <summary>Something to start before the services and stop after them.</summary>
internal interface IInfrastructureResource : IAsyncDisposable
{
    Task StartAsync(string dataRoot, Action<string, string>? output, CancellationToken cancellationToken);
}

public sealed class RedisResource(string name) : Resource(name), IResourceWithConnectionString, IInfrastructureResource
{
    public LocalRedis Server { get; private set; } = null!;
    public string ConnectionString => Server.ConnectionString;
    public override string State => Server is null ? "Starting" : "Running";
    public override string? Target => Server?.ConnectionString;

    async Task IInfrastructureResource.StartAsync(string dataRoot, Action<string, string>? output, CancellationToken cancellationToken) =>
        Server = await LocalRedis.StartAsync(Path.Combine(dataRoot, Name), output, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

public sealed class KafkaResource(string name) : Resource(name), IResourceWithConnectionString, IInfrastructureResource
{
    private readonly Dictionary<string, int> _topics = [];

    public MockKafkaCluster Cluster { get; private set; } = null!;
    public string ConnectionString => Cluster.BootstrapServers;
    public override string State => Cluster is null ? "Starting" : "Running";
    public override string? Target => Cluster?.BootstrapServers;

    /// <summary>Provisions a topic at start (the mock cluster does not answer the admin API's CreateTopics).</summary>
    public KafkaResource WithTopic(string topic, int partitions)
    {
        _topics[topic] = partitions;
        return this;
    }

    Task IInfrastructureResource.StartAsync(string dataRoot, Action<string, string>? output, CancellationToken cancellationToken)
    {
        Cluster = MockKafkaCluster.Start();
        foreach (var (topic, partitions) in _topics) Cluster.CreateTopic(topic, partitions);
        // Dead letters get one partition: they are rare and read by people.
        if (_topics.ContainsKey(Topics.CouponCreate)) Cluster.CreateTopic(Topics.CouponCreate + ".dlt", 1);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Cluster?.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class MySqlServerResource(string name) : Resource(name), IInfrastructureResource
{
    internal string? DatabaseName { get; set; }
    public LocalMariaDb Server { get; private set; } = null!;
    public override string State => Server is null ? "Starting" : "Running";
    public override string? Target => Server is null ? null : $"127.0.0.1:{Server.Port}";

    public MySqlDatabaseResource? Database { get; private set; }

    public MySqlDatabaseResource AddDatabase(string databaseName)
    {
        if (Database is not null) throw new InvalidOperationException("Local mode runs one database per server.");
        DatabaseName = databaseName;
        return Database = new MySqlDatabaseResource(databaseName, this);
    }

    async Task IInfrastructureResource.StartAsync(string dataRoot, Action<string, string>? output, CancellationToken cancellationToken) =>
        Server = await LocalMariaDb.StartAsync(Path.Combine(dataRoot, Name), DatabaseName ?? "coupondb", output, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

public sealed class MySqlDatabaseResource(string name, MySqlServerResource server) : Resource(name), IResourceWithConnectionString
{
    public MySqlServerResource Server { get; } = server;
    public string ConnectionString => Server.Server.ConnectionString;
    public override string State => Server.State;
    public override string? Target => Server.Target is { } target ? $"{target}/{Name}" : null;
    public override Task Ready => Server.Ready;
}
