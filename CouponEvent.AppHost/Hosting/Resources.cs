using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CouponEvent.AppHost.Local;
using CouponEvent.Data.Messages;
using DotNet.Testcontainers.Containers;
using Testcontainers.Kafka;
using Testcontainers.MySql;

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

/// <summary>What an infrastructure resource needs to start in the chosen mode.</summary>
internal sealed record InfrastructureContext(InfrastructureMode Mode, string DataRoot, Action<string, string>? Output)
{
    /// <summary>External mode: the connection string the AppHost was given for <paramref name="name"/>.</summary>
    public string External(string name) =>
        Environment.GetEnvironmentVariable($"ConnectionStrings__{name}") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"External mode needs ConnectionStrings__{name} in the AppHost's environment.");
}

/// <summary>Something to start before the services and stop after them.</summary>
internal interface IInfrastructureResource : IAsyncDisposable
{
    Task StartAsync(InfrastructureContext context, CancellationToken cancellationToken);
}

/// <summary>Shared by the three servers: a connection string once started, and whatever runs the server.</summary>
public abstract class InfrastructureResource(string name) : Resource(name), IInfrastructureResource
{
    private protected string? Address;
    private protected IAsyncDisposable? Running;
    private protected IContainer? Container;

    public override string State => Address is null ? "Starting" : "Running";
    public override string? Target => Address;
    /// <summary>The server's process, when the AppHost runs it (local mode).</summary>
    public virtual int? ProcessId => null;
    public virtual int Restarts => 0;

    async Task IInfrastructureResource.StartAsync(InfrastructureContext context, CancellationToken cancellationToken)
    {
        switch (context.Mode)
        {
            case InfrastructureMode.Local:
                await StartLocalAsync(context, cancellationToken);
                break;
            case InfrastructureMode.Containers:
                Container = CreateContainer();
                await Container.StartAsync(cancellationToken);
                await OnContainerStartedAsync(Container, cancellationToken);
                break;
            default:
                await StartExternalAsync(context, cancellationToken);
                break;
        }
    }

    private protected abstract Task StartLocalAsync(InfrastructureContext context, CancellationToken cancellationToken);
    private protected abstract IContainer CreateContainer();
    private protected abstract Task OnContainerStartedAsync(IContainer container, CancellationToken cancellationToken);
    private protected abstract Task StartExternalAsync(InfrastructureContext context, CancellationToken cancellationToken);

    private protected InvalidOperationException LocalOnly() => new($"{Name}: this needs the local mode.");

    public async ValueTask DisposeAsync()
    {
        if (Running is not null) await Running.DisposeAsync();
        if (Container is not null) await Container.DisposeAsync();
    }
}

public sealed class RedisResource(string name) : InfrastructureResource(name), IResourceWithConnectionString
{
    private LocalRedis? _local;

    /// <summary>The local server, for tests that stop and start it.</summary>
    public LocalRedis Server => _local ?? throw LocalOnly();
    public override int? ProcessId => _local?.ProcessId;
    public override int Restarts => _local?.Restarts ?? 0;
    public string ConnectionString => Address ?? throw new InvalidOperationException($"{Name} has not started.");

    private protected override async Task StartLocalAsync(InfrastructureContext context, CancellationToken cancellationToken)
    {
        Running = _local = await LocalRedis.StartAsync(Path.Combine(context.DataRoot, Name), context.Output, cancellationToken);
        Address = _local.ConnectionString;
    }

    private protected override IContainer CreateContainer() => Containers.Redis();

    private protected override Task OnContainerStartedAsync(IContainer container, CancellationToken cancellationToken)
    {
        Address = Containers.RedisConnectionString(container.Hostname, container.GetMappedPublicPort(6379));
        return Task.CompletedTask;
    }

    private protected override Task StartExternalAsync(InfrastructureContext context, CancellationToken cancellationToken)
    {
        Address = context.External(Name);
        return Task.CompletedTask;
    }
}

public sealed class KafkaResource(string name) : InfrastructureResource(name), IResourceWithConnectionString
{
    private readonly Dictionary<string, int> _topics = [];
    private MockKafkaCluster? _mock;

    /// <summary>The local mock cluster, for tests that take brokers down.</summary>
    public MockKafkaCluster Cluster => _mock ?? throw LocalOnly();
    /// <summary>The mock cluster runs inside the AppHost.</summary>
    public override int? ProcessId => _mock is null ? null : Environment.ProcessId;
    public string ConnectionString => Address ?? throw new InvalidOperationException($"{Name} has not started.");

    /// <summary>Provisions a topic, and its dead-letter topic, at start.</summary>
    public KafkaResource WithTopic(string topic, int partitions)
    {
        _topics[topic] = partitions;
        // Dead letters get one partition: they are rare and read by people.
        if (topic == Topics.CouponCreate) _topics[topic + ".dlt"] = 1;
        return this;
    }

    private protected override Task StartLocalAsync(InfrastructureContext context, CancellationToken cancellationToken)
    {
        _mock = MockKafkaCluster.Start();
        Running = new DisposeAction(_mock.Dispose);
        // The mock does not answer the admin API's CreateTopics: create them through its own call.
        foreach (var (topic, partitions) in _topics) _mock.CreateTopic(topic, partitions);
        Address = _mock.BootstrapServers;
        return Task.CompletedTask;
    }

    private protected override IContainer CreateContainer() => Containers.Kafka();

    private protected override Task OnContainerStartedAsync(IContainer container, CancellationToken cancellationToken)
    {
        Address = ((KafkaContainer)container).GetBootstrapAddress();
        return CreateTopicsAsync();
    }

    private protected override Task StartExternalAsync(InfrastructureContext context, CancellationToken cancellationToken)
    {
        Address = context.External(Name);
        return CreateTopicsAsync();
    }

    /// <summary>A real Kafka: the admin API, leaving topics that exist as they are.</summary>
    private async Task CreateTopicsAsync()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Address }).Build();
        try
        {
            await admin.CreateTopicsAsync(_topics.Select(t => new TopicSpecification { Name = t.Key, NumPartitions = t.Value, ReplicationFactor = -1 }));
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Already provisioned.
        }
    }

    private sealed class DisposeAction(Action action) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            action();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class MySqlServerResource(string name) : InfrastructureResource(name)
{
    private readonly string _password = Convert.ToHexString(Guid.NewGuid().ToByteArray());
    private LocalMariaDb? _local;

    /// <summary>The local server, for tests that stop and start it.</summary>
    public LocalMariaDb Server => _local ?? throw LocalOnly();
    public override int? ProcessId => _local?.ProcessId;
    public override int Restarts => _local?.Restarts ?? 0;
    public MySqlDatabaseResource? Database { get; private set; }
    internal string? DatabaseConnectionString { get; private set; }

    public MySqlDatabaseResource AddDatabase(string databaseName)
    {
        if (Database is not null) throw new InvalidOperationException("The AppHost runs one database per server.");
        return Database = new MySqlDatabaseResource(databaseName, this);
    }

    private string DatabaseName => Database?.Name ?? "coupondb";

    private protected override async Task StartLocalAsync(InfrastructureContext context, CancellationToken cancellationToken)
    {
        Running = _local = await LocalMariaDb.StartAsync(Path.Combine(context.DataRoot, Name), DatabaseName, context.Output, cancellationToken);
        DatabaseConnectionString = _local.ConnectionString;
        Address = $"127.0.0.1:{_local.Port}";
    }

    private protected override IContainer CreateContainer() => Containers.MySql(DatabaseName, _password);

    private protected override Task OnContainerStartedAsync(IContainer container, CancellationToken cancellationToken)
    {
        var port = container.GetMappedPublicPort(MySqlBuilder.MySqlPort);
        DatabaseConnectionString = Containers.MySqlConnectionString(container.Hostname, port, _password, DatabaseName);
        Address = $"{container.Hostname}:{port}";
        return Task.CompletedTask;
    }

    private protected override Task StartExternalAsync(InfrastructureContext context, CancellationToken cancellationToken)
    {
        DatabaseConnectionString = context.External(DatabaseName);
        Address = "external";
        return Task.CompletedTask;
    }
}

public sealed class MySqlDatabaseResource(string name, MySqlServerResource server) : Resource(name), IResourceWithConnectionString
{
    public MySqlServerResource Server { get; } = server;
    public string ConnectionString => Server.DatabaseConnectionString ?? throw new InvalidOperationException($"{Server.Name} has not started.");
    public override string State => Server.State;
    public override string? Target => Server.Target is { } target ? $"{target}/{Name}" : null;
    public override Task Ready => Server.Ready;
}
