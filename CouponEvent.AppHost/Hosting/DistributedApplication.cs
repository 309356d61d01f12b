using System.Security.Cryptography;
using CouponEvent.AppHost.Dashboard;
using CouponEvent.AppHost.Local;
using DotNet.Testcontainers.Containers;

namespace CouponEvent.AppHost.Hosting;

/// <summary>
/// A running stack: infrastructure first (in parallel), then each service once what it waits for is up and
/// each replica answers <c>/health</c>. Disposing stops the services, then the servers, and removes their data.
/// </summary>
public sealed class DistributedApplication(IReadOnlyList<Resource> resources, AppHostOptions options) : IAsyncDisposable
{
    private readonly string _dataRoot = options.DataRoot ?? Path.Combine(Path.GetTempPath(), $"couponevent-{Guid.NewGuid():N}");
    private readonly ResourceOutput _output = new();
    private bool _ownsDataRoot;
    private IContainer? _aspireDashboard;
    private DashboardServer? _dashboard;
    private string? _otlpEndpoint = options.OtlpEndpoint;
    private string? _otlpHeaders;

    /// <summary>This AppHost's dashboard (resources, the race, traces); null with <c>--no-dashboard</c>.</summary>
    public string? DashboardUrl => _dashboard?.Url;

    /// <summary>The Aspire dashboard's address, in containers mode.</summary>
    public string? AspireDashboardUrl { get; private set; }

    public IReadOnlyList<Resource> Resources { get; } = resources;
    public AppHostOptions Options { get; } = options;

    public T GetResource<T>(string name) where T : Resource =>
        Resources.OfType<T>().SingleOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"No {typeof(T).Name} named '{name}'.");

    public ProjectResource GetProject(string name) => GetResource<ProjectResource>(name);

    public string GetConnectionString(string name) =>
        Resources.OfType<IResourceWithConnectionString>()
            .Concat(Resources.OfType<MySqlServerResource>().Select(s => s.Database).OfType<IResourceWithConnectionString>())
            .SingleOrDefault(r => r.Name == name)?.ConnectionString
        ?? throw new ArgumentException($"No resource with a connection string named '{name}'.");

    /// <summary>An HttpClient for the first replica of a service, as Aspire.Hosting.Testing's CreateHttpClient.</summary>
    public HttpClient CreateHttpClient(string name) =>
        new() { BaseAddress = new Uri(GetProject(name).Instances[0].Url), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Starts everything; each service starts once what it waits for is ready. Throws, naming the resource, on failure.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _ownsDataRoot = !Directory.Exists(_dataRoot);
        Directory.CreateDirectory(_dataRoot);
        try
        {
            if (Options.Mode == InfrastructureMode.Containers && _otlpEndpoint is null) await StartAspireDashboardAsync(cancellationToken);
            if (Options.DashboardPort is { } port)
            {
                // The services send telemetry here, with a key (as to Aspire's dashboard: x-otlp-api-key), and the
                // dashboard passes it on to any collector named above.
                var apiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
                _dashboard = await DashboardServer.StartAsync(this, _output, port, _otlpEndpoint, apiKey, cancellationToken);
                _otlpEndpoint = _dashboard.Url;
                _otlpHeaders = $"{OtlpReceiver.ApiKeyHeader}={apiKey}";
            }
            await Task.WhenAll(Resources.Select(r => r switch
            {
                IInfrastructureResource infrastructure => StartInfrastructureAsync(r, infrastructure, cancellationToken),
                ProjectResource project => StartProjectAsync(project, cancellationToken),
                _ => Task.CompletedTask,
            }));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartInfrastructureAsync(Resource resource, IInfrastructureResource infrastructure, CancellationToken cancellationToken)
    {
        try
        {
            await infrastructure.StartAsync(new InfrastructureContext(Options.Mode, _dataRoot, Output), cancellationToken);
            resource.ReadySource.TrySetResult();
        }
        catch (Exception ex)
        {
            resource.ReadySource.TrySetException(ex);
            throw;
        }
    }

    private async Task StartProjectAsync(ProjectResource project, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(project.WaitsFor.Select(r => r.Ready));
            for (var replica = 1; replica <= project.Replicas; replica++)
            {
                var port = replica == 1 && Options.Ports.TryGetValue(project.Name, out var fixedPort) ? fixedPort : FreePort.Next();
                project.Instances.Add(new ServiceInstance(project, replica, port, project.BuildEnvironment(port, _otlpEndpoint, _otlpHeaders), Output));
            }
            await Task.WhenAll(project.Instances.Select(i => i.StartAsync(cancellationToken)));
            project.ReadySource.TrySetResult();
        }
        catch (Exception ex)
        {
            project.ReadySource.TrySetException(ex);
            throw;
        }
    }

    /// <summary>Every line a resource prints: kept for the dashboard's resources view, and passed to the AppHost's sink.</summary>
    private void Output(string name, string line)
    {
        _output.Add(name, line);
        Options.Output?.Invoke(name, line);
    }

    private async Task StartAspireDashboardAsync(CancellationToken cancellationToken)
    {
        _aspireDashboard = Containers.Dashboard();
        await _aspireDashboard.StartAsync(cancellationToken);
        AspireDashboardUrl = $"http://{_aspireDashboard.Hostname}:{_aspireDashboard.GetMappedPublicPort(Containers.DashboardUiPort)}";
        _otlpEndpoint = $"http://{_aspireDashboard.Hostname}:{_aspireDashboard.GetMappedPublicPort(Containers.DashboardOtlpHttpPort)}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var project in Resources.OfType<ProjectResource>().Reverse())
        {
            await Task.WhenAll(project.Instances.Select(i => i.DisposeAsync().AsTask()));
        }
        foreach (var infrastructure in Resources.OfType<IInfrastructureResource>().Reverse())
        {
            await infrastructure.DisposeAsync();
        }
        if (_dashboard is not null) await _dashboard.DisposeAsync();
        if (_aspireDashboard is not null) await _aspireDashboard.DisposeAsync();
        if (_ownsDataRoot && Directory.Exists(_dataRoot)) Directory.Delete(_dataRoot, recursive: true);
    }
}
