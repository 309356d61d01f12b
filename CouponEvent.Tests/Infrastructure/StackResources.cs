using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// Faults on a running stack, the way an operator or a crash would cause them: the dashboard's own resource commands
/// (stop, start, the mock broker's down and up) and process kills (SIGKILL, no chance to clean up).
/// </summary>
public sealed class StackResources(DistributedApplication app)
{
    private ResourceCommandService Commands => app.Services.GetRequiredService<ResourceCommandService>();

    public T Get<T>(string name) where T : IResource =>
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<T>().Single(r => r.Name == name);

    /// <summary>The ids of a resource's replicas (<c>applyapi-abcdwxyz</c>), which commands and kills address.</summary>
    public async Task<string[]> ReplicaIdsAsync(string name)
    {
        var expected = Get<IResource>(name).Annotations.OfType<ReplicaAnnotation>().SingleOrDefault()?.Replicas ?? 1;
        var ids = new HashSet<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The notification service replays every resource's current state first.
        await foreach (var e in app.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (e.Resource.Name == name && ids.Add(e.ResourceId) && ids.Count == expected) break;
        }
        return ids.Order().ToArray();
    }

    /// <summary>
    /// The replica's own HTTP address (not the proxy's), once the replica itself answers there. Aspire's health check of
    /// a replicated project goes through its proxy, so a replica restarted by its Start command counts as healthy while
    /// its twin answers, seconds before it listens itself.
    /// </summary>
    public async Task<Uri> ReplicaUrlAsync(string replicaId)
    {
        static string? Urls(ResourceEvent e) => e.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value;
        var resource = await app.ResourceNotifications.WaitForResourceAsync(NameOf(replicaId), e => e.ResourceId == replicaId && Urls(e) is not null)
            .WaitAsync(TimeSpan.FromSeconds(30));
        var url = new Uri(Urls(resource)!.Split(';')[0].Replace("localhost", "127.0.0.1"));
        using var probe = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                using var health = await probe.GetAsync("/health");
                return health.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90));
        return url;
    }

    public async Task StopAsync(string resourceId)
    {
        resourceId = IdOf(resourceId);
        await ExecuteAsync(resourceId, KnownResourceCommands.StopCommand);
        await WaitUntilStoppedAsync(resourceId);
    }

    public async Task StartAsync(string resourceId)
    {
        resourceId = IdOf(resourceId);
        await ExecuteAsync(resourceId, KnownResourceCommands.StartCommand);
        await WaitUntilHealthyAsync(resourceId);
    }

    /// <summary>SIGKILL to the resource's process and everything it started (a project runs under a <c>dotnet run</c> wrapper).</summary>
    public async Task KillAsync(string resourceId)
    {
        Signal(resourceId, Sigkill);
        await WaitUntilStoppedAsync(IdOf(resourceId));
    }

    /// <summary>
    /// SIGSTOP to the resource's processes: it hangs with its connections open, as a server stalled by a long GC pause,
    /// a full disk or a frozen VM does. Unlike a stop, clients' requests are sent and wait; <see cref="Thaw"/> lets it
    /// carry on with them.
    /// </summary>
    public void Freeze(string resourceId) => Signal(resourceId, Sigstop);

    public void Thaw(string resourceId) => Signal(resourceId, Sigcont);

    private const int Sigkill = 9, Sigcont = 18, Sigstop = 19, Esrch = 3;

    /// <summary>The signal to the resource's process and everything it started; a process already gone is skipped.</summary>
    private void Signal(string resourceId, int signal)
    {
        var pid = ProcessId(IdOf(resourceId));
        foreach (var process in ProcessTree.Descendants(pid).Append(pid))
            Assert.True(ProcessTree.Signal(process, signal) == 0 || System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Esrch,
                $"signal {signal} to {process} failed");
    }

    public async Task ExecuteAsync(string resourceId, string command)
    {
        var result = await Commands.ExecuteCommandAsync(resourceId, command);
        Assert.True(result.Success, $"{command} on {resourceId}: {result.Message}");
    }

    public int ProcessId(string resourceId)
    {
        Assert.True(app.ResourceNotifications.TryGetCurrentState(resourceId, out var state), $"no resource {resourceId}");
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        Assert.NotNull(pid);
        return Convert.ToInt32(pid);
    }

    public async Task WaitUntilHealthyAsync(string resourceId)
    {
        try
        {
            await app.ResourceNotifications.WaitForResourceAsync(NameOf(resourceId),
                e => e.ResourceId == resourceId && e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
                .WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{resourceId} was not running and healthy after 90 s. {await DescribeAsync(resourceId)}");
        }
    }

    /// <summary>What a resource that did not come up was doing: its state, each health check's report, its last lines.</summary>
    private async Task<string> DescribeAsync(string resourceId)
    {
        if (!app.ResourceNotifications.TryGetCurrentState(resourceId, out var state)) return "No such resource.";
        var snapshot = state.Snapshot;
        var checks = snapshot.HealthReports.Select(r => $"{r.Name}: {r.Status?.ToString() ?? "not run yet"} {r.Description} {r.ExceptionText?.Split('\n')[0]}");
        // The console so far, as the dashboard shows it: three seconds is the replay.
        await using var logs = await ReplicaLogs.FollowAsync(app, NameOf(resourceId));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var lines = logs.Lines.GetValueOrDefault(resourceId) ?? [];
        return $"State {snapshot.State?.Text}, exit code {snapshot.ExitCode}, health {snapshot.HealthStatus}; checks: "
            + string.Join("; ", checks) + ". Its last lines:\n" + string.Join('\n', lines.TakeLast(30));
    }

    private Task WaitUntilStoppedAsync(string resourceId) =>
        app.ResourceNotifications.WaitForResourceAsync(NameOf(resourceId),
            e => e.ResourceId == resourceId && e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state))
            .WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Kafka's broker refuses and drops every connection (the mock broker's command in the dashboard).</summary>
    public Task KafkaBrokerDownAsync() => ExecuteAsync("kafka-mock", "broker-down");

    public Task KafkaBrokerUpAsync() => ExecuteAsync("kafka-mock", "broker-up");

    /// <summary>The unique id for a name without replicas (<c>redis</c> → <c>redis-abcdwxyz</c>), or the id itself.</summary>
    private string IdOf(string nameOrId) =>
        app.ResourceNotifications.TryGetCurrentState(nameOrId, out var state) ? state.ResourceId : nameOrId;

    private string NameOf(string resourceId) =>
        app.ResourceNotifications.TryGetCurrentState(resourceId, out var state) ? state.Resource.Name : resourceId;

    // ---- Redis: what a crash leaves ---------------------------------------------------------------------------------

    public RedisServerResource Redis => Get<RedisServerResource>("redis");

    /// <summary>
    /// A point-in-time copy of Redis's data (<c>SAVE</c>), as a replica that lags or the last fsync would hold it.
    /// </summary>
    /// <param name="admin">Connected beforehand with <c>allowAdmin=true</c>: a race is timed by the snapshot, not by a connect.</param>
    public async Task<string> SnapshotRedisAsync(IConnectionMultiplexer admin)
    {
        await admin.GetServers()[0].ExecuteAsync("SAVE");
        var snapshot = Path.Combine(Path.GetTempPath(), $"couponevent-snapshot-{Guid.NewGuid():N}.rdb");
        File.Copy(Path.Combine(Redis.DataDirectory, "dump.rdb"), snapshot);
        return snapshot;
    }

    /// <summary>
    /// Crashes Redis (SIGKILL) and brings it back, on the same port, from <paramref name="snapshot"/> as its AOF's base:
    /// what a machine crash under <c>appendfsync everysec</c>, or a failover to a replica that lagged, leaves.
    /// A new process (a new run id) that holds every key, minus the writes made after the snapshot.
    /// </summary>
    public async Task RollBackRedisAsync(string snapshot)
    {
        await KillAsync("redis");
        var data = Redis.DataDirectory;
        Directory.Delete(data, recursive: true);
        var aof = Directory.CreateDirectory(Path.Combine(data, "appendonlydir")).FullName;
        File.Move(snapshot, Path.Combine(aof, "appendonly.aof.1.base.rdb"));
        await File.WriteAllTextAsync(Path.Combine(aof, "appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n");
        await StartAsync("redis");
    }

    /// <summary>Stops Redis and starts an empty one in its place (same port): every key lost.</summary>
    public async Task RestartRedisEmptyAsync()
    {
        await StopAsync("redis");
        Directory.Delete(Redis.DataDirectory, recursive: true);
        Directory.CreateDirectory(Redis.DataDirectory);
        await StartAsync("redis");
    }
}
