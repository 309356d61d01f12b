namespace CouponEvent.AppHost.Hosting;

/// <summary>Settings of one AppHost run.</summary>
public sealed record AppHostOptions
{
    /// <summary>Where Redis, Kafka and MySQL come from.</summary>
    public InfrastructureMode Mode { get; init; } = InfrastructureMode.Local;

    /// <summary>Where local servers keep their data; a fresh temporary folder when null. Removed at the end.</summary>
    public string? DataRoot { get; init; }

    /// <summary>Receives every line a resource prints, with the resource's name; null: kept only for error reports.</summary>
    public Action<string, string>? Output { get; init; }

    /// <summary>Fixed ports for the first replica of named services; others get free ports.</summary>
    public IReadOnlyDictionary<string, int> Ports { get; init; } = new Dictionary<string, int>();

    /// <summary>An OTLP/HTTP collector for the services' telemetry (through the dashboard, which passes it on), if any.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>
    /// Where the dashboard listens (any free port when taken; 0: any); null: no dashboard, and the services send
    /// telemetry straight to <see cref="OtlpEndpoint"/>. 18888 is the Aspire dashboard's own port.
    /// </summary>
    public int? DashboardPort { get; init; } = DefaultDashboardPort;

    public const int DefaultDashboardPort = 18888;

    /// <summary>ApplyApi's admin key: <c>COUPONEVENT_ADMIN_API_KEY</c>, or a fresh random one shown in the summary.</summary>
    public string AdminApiKey { get; init; } =
        Environment.GetEnvironmentVariable("COUPONEVENT_ADMIN_API_KEY") is { Length: > 0 } key ? key : Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
}

/// <summary>Declares the resources of a stack, in the manner of Aspire's <c>DistributedApplication.CreateBuilder</c>.</summary>
public sealed class DistributedApplicationBuilder(AppHostOptions options)
{
    private readonly List<Resource> _resources = [];

    public AppHostOptions Options { get; } = options;

    public static DistributedApplicationBuilder Create(AppHostOptions? options = null) => new(options ?? new AppHostOptions());

    public RedisResource AddRedis(string name) => Add(new RedisResource(name));
    public KafkaResource AddKafka(string name) => Add(new KafkaResource(name));
    public MySqlServerResource AddMySql(string name) => Add(new MySqlServerResource(name));
    public ProjectResource AddProject(string name, ProjectInfo project) => Add(new ProjectResource(name, project));

    private T Add<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => r.Name == resource.Name)) throw new ArgumentException($"A resource named '{resource.Name}' exists already.");
        _resources.Add(resource);
        return resource;
    }

    /// <summary>Replica counts from the command line, applied at <see cref="Build"/>.</summary>
    public Dictionary<string, int> Replicas { get; init; } = [];

    public DistributedApplication Build()
    {
        foreach (var (name, count) in Replicas)
        {
            var project = _resources.OfType<ProjectResource>().SingleOrDefault(p => p.Name == name)
                ?? throw new ArgumentException($"--replicas: there is no service named '{name}'.");
            project.WithReplicas(count);
        }
        return new(_resources, Options);
    }
}
