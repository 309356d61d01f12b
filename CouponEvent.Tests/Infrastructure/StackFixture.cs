using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using CouponEvent.Data;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// The whole stack, started once for every test in the "stack" collection from the AppHost by Aspire.Hosting.Testing
/// (local mode: real redis-server and mariadbd, librdkafka's mock broker, and the services as processes run by DCP).
/// Tests keep out of each other's way by each creating events of their own.
/// </summary>
public class StackFixture : IAsyncLifetime
{
    /// <summary>How long an event is over before it settles, in the test stack: longer than any test's look at a finished race.</summary>
    public static readonly TimeSpan SettleAfter = TimeSpan.FromSeconds(20);
    /// <summary>How long a winner with nothing in MySQL is in flight before reconciliation issues it from Redis.</summary>
    public static readonly TimeSpan ReconciliationGrace = TimeSpan.FromSeconds(8);

    /// <summary>The operators' client secret at the stack's issuer (the AppHost's parameter <c>admin-client-secret</c>).</summary>
    public const string AdminClientSecret = "test-admin-client-secret-0123456789";

    public DistributedApplication App { get; private set; } = null!;
    public StackResources Resources { get; private set; } = null!;
    /// <summary>ApplyApi through Aspire's proxy (round robin over its replicas), with an operator's token.</summary>
    public HttpClient ApplyApi { get; private set; } = null!;
    /// <summary>The stack's token issuer (CouponEvent.Identity).</summary>
    public HttpClient Identity { get; private set; } = null!;
    /// <summary>Test users applying with tokens from <see cref="Identity"/>.</summary>
    public Applicants Applicants { get; private set; } = null!;
    /// <summary>An access token of the operators' client, with the admin scope.</summary>
    public string AdminToken { get; private set; } = null!;
    public string RedisConnectionString { get; private set; } = null!;
    public string KafkaBootstrapServers { get; private set; } = null!;
    public string MySqlConnectionString { get; private set; } = null!;
    public CouponDatabase Database => new(MySqlConnectionString, KafkaBootstrapServers);

    /// <summary>Starts the AppHost's stack with <paramref name="args"/> and waits until every service is healthy.</summary>
    /// <remarks>Aspire's dashboard costs a process and every span exported: only the tests of the dashboard ask for it.</remarks>
    public static async Task<DistributedApplication> StartAsync(string[] args, Action<IDistributedApplicationTestingBuilder>? configure = null,
        bool dashboard = false)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CouponEvent_AppHost>(
            ["--AppHost:Mode=local", $"--Parameters:admin-client-secret={AdminClientSecret}", .. args],
            (options, _) => options.DisableDashboard = !dashboard);
        configure?.Invoke(builder);
        var app = await builder.BuildAsync();
        using var starting = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var states = new ConcurrentDictionary<string, string>();
        _ = Task.Run(async () =>
        {
            await foreach (var e in app.ResourceNotifications.WatchAsync(starting.Token))
                states[e.ResourceId] = $"{e.Snapshot.State?.Text} {e.Snapshot.HealthStatus} exit={e.Snapshot.ExitCode}";
        });
        try
        {
            await app.StartAsync(starting.Token);
            foreach (var service in new[] { "applyapi", "consumer", "retryjob" })
                await app.ResourceNotifications.WaitForResourceHealthyAsync(service, starting.Token);
        }
        catch (OperationCanceledException)
        {
            await app.DisposeAsync();
            // Which resource held the start-up up, and in what state.
            throw new TimeoutException("The stack did not become healthy within 3 minutes: "
                + string.Join("; ", states.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        }
        return app;
    }

    /// <summary>The AppHost's arguments for this stack.</summary>
    protected virtual string[] Arguments => ["--AppHost:Replicas:retryjob=2", "--AppHost:Replicas:applyapi=2"];

    public async Task InitializeAsync()
    {
        App = await StartAsync(Arguments, builder =>
            // Retries every few hundred milliseconds, so that tests see them happen.
            builder.CreateResourceBuilder<ProjectResource>("retryjob")
                .WithEnvironment("Retry__Interval", "00:00:00.250")
                .WithEnvironment("Retry__BaseDelay", "00:00:00.100")
                .WithEnvironment("Reconciliation__Interval", "00:00:03")
                .WithEnvironment("Reconciliation__Grace", ReconciliationGrace.ToString("c"))
                .WithEnvironment("Reconciliation__SettleAfter", SettleAfter.ToString("c")));
        Resources = new StackResources(App);
        RedisConnectionString = (await App.GetConnectionStringAsync("redis"))!;
        KafkaBootstrapServers = (await App.GetConnectionStringAsync("kafka"))!;
        MySqlConnectionString = (await App.GetConnectionStringAsync("coupondb"))!;
        Identity = App.CreateHttpClient("identity");
        Applicants = new Applicants(Identity);
        AdminToken = await TokenClient.RequestAdminTokenAsync(Identity, AdminClientSecret);
        ApplyApi = App.CreateHttpClient("applyapi");
        ApplyApi.Timeout = TimeSpan.FromSeconds(30);
        ApplyApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    /// <summary>A client of <paramref name="resource"/> on <paramref name="app"/> with an operator's token from its issuer.</summary>
    public static async Task<HttpClient> CreateAdminClientAsync(DistributedApplication app, string resource = "applyapi")
    {
        using var identity = app.CreateHttpClient("identity");
        var client = app.CreateHttpClient(resource);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenClient.RequestAdminTokenAsync(identity, AdminClientSecret));
        return client;
    }

    public async Task DisposeAsync()
    {
        ApplyApi?.Dispose();
        Identity?.Dispose();
        if (App is not null) await App.DisposeAsync();
    }

    /// <summary>A client per ApplyApi replica, on its own port: a user whose replica died tries the other.</summary>
    public async Task<List<HttpClient>> ApplyApiReplicaClientsAsync()
    {
        var clients = new List<HttpClient>();
        foreach (var replica in await Resources.ReplicaIdsAsync("applyapi"))
            clients.Add(new HttpClient { BaseAddress = await Resources.ReplicaUrlAsync(replica), Timeout = TimeSpan.FromSeconds(30) });
        return clients;
    }

    /// <summary>How many of the event's winners reconciliation issued from Redis (their messages never reached MySQL).</summary>
    public async Task<long> IssuedFromRedisAsync(string eventId)
    {
        var reports = await ApplyApi.GetFromJsonAsync<System.Text.Json.JsonElement[]>($"/api/admin/reconciliation?eventId={eventId}");
        return reports is [var report] ? report.GetProperty("issuedFromRedis").GetInt64() : 0;
    }

    /// <summary>Creates an event with a fresh id through the admin API.</summary>
    public async Task<string> CreateEventAsync(int quantity, DateTimeOffset? opensAt = null, DateTimeOffset? closesAt = null, string? id = null)
    {
        id ??= $"t-{Guid.NewGuid():N}"[..20];
        // A 503 recorded nothing and asks to try again, as an operator would: a part that just came back from an earlier
        // test's fault may still be reconnecting.
        using var response = await Eventually.ReturnsAsync(
            () => ApplyApi.PostAsJsonAsync("/api/events", new { id, name = $"Test {id}", quantity, opensAt, closesAt }),
            r => r.StatusCode != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return id;
    }
}

public sealed record RaceResult(IReadOnlyDictionary<long, HttpStatusCode> Answers)
{
    public HashSet<long> Accepted => Answers.Where(a => a.Value == HttpStatusCode.Accepted).Select(a => a.Key).ToHashSet();
    public int Count(HttpStatusCode status) => Answers.Count(a => a.Value == status);
    public override string ToString() => string.Join(", ", Answers.GroupBy(a => a.Value).Select(g => $"{(int)g.Key}: {g.Count()}"));
}

[CollectionDefinition("stack")]
public sealed class StackCollection : ICollectionFixture<StackFixture>;

/// <summary>
/// The stack in the cluster topology (<c>--AppHost:Topology=cluster</c>): a Redis Cluster of 3 primaries and 3
/// replicas, librdkafka's mock broker with 3 brokers, 2 ApplyApi, 3 Consumer and 2 RetryJob replicas.
/// </summary>
public sealed class ClusterStackFixture : StackFixture
{
    protected override string[] Arguments => ["--AppHost:Topology=cluster"];
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterStackFixture>;
