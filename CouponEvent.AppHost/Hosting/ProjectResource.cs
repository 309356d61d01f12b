using CouponEvent.AppHost.Local;

namespace CouponEvent.AppHost.Hosting;

/// <summary>
/// A service, run as one process per replica from its build output, with the environment an Aspire AppHost gives:
/// connection strings, service endpoints, OpenTelemetry settings and its own URL.
/// </summary>
public sealed class ProjectResource(string name, ProjectInfo project) : Resource(name)
{
    private readonly List<IResourceWithConnectionString> _references = [];
    private readonly List<ProjectResource> _serviceReferences = [];
    private readonly Dictionary<string, string?> _environment = [];
    private readonly List<Resource> _waitFor = [];

    public ProjectInfo Project { get; } = project;
    public int Replicas { get; private set; } = 1;
    public IReadOnlyList<Resource> WaitsFor => _waitFor;
    public List<ServiceInstance> Instances { get; } = [];
    public override string State => Instances.Count == 0 ? "Waiting"
        : Instances.All(i => i.IsRunning) ? "Running" : "Exited";
    public override string? Target => Instances.FirstOrDefault()?.Url;

    public ProjectResource WithReference(IResourceWithConnectionString resource)
    {
        _references.Add(resource);
        return this;
    }

    /// <summary>Service discovery: <c>services__{name}__http__0</c>.</summary>
    public ProjectResource WithReference(ProjectResource service)
    {
        _serviceReferences.Add(service);
        return this;
    }

    public ProjectResource WaitFor(Resource resource)
    {
        _waitFor.Add(resource);
        return this;
    }

    public ProjectResource WithReplicas(int replicas)
    {
        Replicas = replicas >= 1 ? replicas : throw new ArgumentOutOfRangeException(nameof(replicas), "At least one replica.");
        return this;
    }

    public ProjectResource WithEnvironment(string name, string? value)
    {
        _environment[name] = value;
        return this;
    }

    /// <summary>
    /// The services run in the AppHost's own environment, as under Aspire: Development unless the AppHost was
    /// started with <c>DOTNET_ENVIRONMENT</c> (the benchmark runs them in Production).
    /// </summary>
    private static string EnvironmentName =>
        Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } name ? name : "Development";

    internal Dictionary<string, string?> BuildEnvironment(int port, string? otlpEndpoint, string? otlpHeaders = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = EnvironmentName,
            ["DOTNET_ENVIRONMENT"] = EnvironmentName,
            ["OTEL_SERVICE_NAME"] = Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={Guid.NewGuid():N}",
            // No colour codes in captured output; the AppHost adds its own prefixes.
            ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        };
        if (otlpEndpoint is not null)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
            environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            if (otlpHeaders is not null) environment["OTEL_EXPORTER_OTLP_HEADERS"] = otlpHeaders;
            // Aspire's development settings: export every second, so that the dashboard is live.
            environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
            environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
        }
        foreach (var reference in _references) environment[$"ConnectionStrings__{reference.Name}"] = reference.ConnectionString;
        foreach (var service in _serviceReferences)
        {
            for (var i = 0; i < service.Instances.Count; i++) environment[$"services__{service.Name}__http__{i}"] = service.Instances[i].Url;
        }
        foreach (var (key, value) in _environment) environment[key] = value;
        return environment;
    }
}

/// <summary>One running replica of a <see cref="ProjectResource"/>.</summary>
public sealed class ServiceInstance(ProjectResource resource, int replica, int port, Dictionary<string, string?> environment,
    Action<string, string>? output) : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public ProjectResource Resource { get; } = resource;
    /// <summary>The environment the replica runs with (what an Aspire AppHost would give it).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; } = environment;
    public string Name { get; } = resource.Replicas > 1 ? $"{resource.Name}-{replica}" : resource.Name;
    public int Port { get; } = port;
    public string Url => $"http://127.0.0.1:{Port}";
    public ChildProcess? Process { get; private set; }
    public bool IsRunning => Process is { HasExited: false };
    public int Restarts { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dll = Resource.Project.EntryAssemblyPath;
        Process = ChildProcess.Start(Name, "dotnet", ["exec", dll], Environment, Path.GetDirectoryName(dll), output);
        await WaitUntilHealthyAsync(cancellationToken);
    }

    /// <summary>Waits for <c>/health</c> to answer 200, as Aspire's WaitFor does.</summary>
    public async Task WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (Process!.HasExited) throw Process.Failure($"exited with code {Process.ExitCode} before it was healthy");
            try
            {
                using var response = await Http.GetAsync($"{Url}/health", cancellationToken);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A slow answer during start-up.
            }
            await Task.Delay(100, cancellationToken);
        }
        throw Process!.Failure("was not healthy within 90 s");
    }

    /// <summary>SIGKILL: the process dies as in a crash, mid-whatever it was doing.</summary>
    public Task KillAsync() => Process?.KillAsync() ?? Task.CompletedTask;

    /// <summary>Starts the replica again on the same port and environment.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (Process is not null) await Process.DisposeAsync();
        Restarts++;
        await StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Process is not null) await Process.DisposeAsync();
    }
}
