using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CouponEvent.AppHost.Hosting;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// The whole stack, started once for every test in the "stack" collection through the AppHost's own Program
/// (real redis-server, mariadbd, the librdkafka mock cluster, and the three services as processes).
/// Tests keep out of each other's way by each creating events of their own.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    public DistributedApplication App { get; private set; } = null!;
    public HttpClient ApplyApi { get; private set; } = null!;
    public string MySqlConnectionString => App.GetConnectionString("coupondb");
    public CouponDatabase Database => new(MySqlConnectionString);

    public async Task InitializeAsync()
    {
        App = await DistributedApplicationTesting.CreateAsync(["--mode", "local", "--replicas", "retryjob=2", "--replicas", "applyapi=2"], options => options with { Output = OutputLog() });
        // Retries every few hundred milliseconds, so that tests see them happen.
        App.GetProject("retryjob")
            .WithEnvironment("Retry__Interval", "00:00:00.250")
            .WithEnvironment("Retry__BaseDelay", "00:00:00.100")
            .WithEnvironment("Reconciliation__Interval", "00:00:03")
            .WithEnvironment("Reconciliation__Grace", "00:00:08");
        await App.StartAsync();
        ApplyApi = App.CreateHttpClient("applyapi");
        ApplyApi.DefaultRequestHeaders.Add("X-Api-Key", App.Options.AdminApiKey);
    }

    /// <summary>Every process's output goes to the file named by COUPONEVENT_TEST_LOG, when set (for debugging).</summary>
    private static Action<string, string>? OutputLog()
    {
        if (Environment.GetEnvironmentVariable("COUPONEVENT_TEST_LOG") is not { Length: > 0 } path) return null;
        var writer = new StreamWriter(path, append: false) { AutoFlush = true };
        return (name, line) =>
        {
            lock (writer) writer.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name,-12} | {line}");
        };
    }

    /// <summary>
    /// A race whose users, told 503, try again a second later (as users do) until every one has a definite answer.
    /// </summary>
    public static async Task<RaceResult> RaceUntilAnsweredAsync(HttpClient client, string eventId, IReadOnlyList<long> users, int workers = 32)
    {
        var answers = new Dictionary<long, HttpStatusCode>((await RaceAsync(client, eventId, users, workers)).Answers);
        for (var round = 0; round < 60 && answers.ContainsValue(HttpStatusCode.ServiceUnavailable); round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var retry = await RaceAsync(client, eventId,
                answers.Where(a => a.Value == HttpStatusCode.ServiceUnavailable).Select(a => a.Key).ToList(), workers);
            foreach (var (user, status) in retry.Answers) answers[user] = status;
        }
        return new RaceResult(answers);
    }

    public async Task DisposeAsync()
    {
        ApplyApi?.Dispose();
        if (App is not null) await App.DisposeAsync();
    }

    /// <summary>Creates an event with a fresh id through the admin API.</summary>
    public async Task<string> CreateEventAsync(int quantity, DateTimeOffset? opensAt = null, DateTimeOffset? closesAt = null)
    {
        var id = $"t-{Guid.NewGuid():N}"[..20];
        using var response = await ApplyApi.PostAsJsonAsync("/api/events", new { id, name = $"Test {id}", quantity, opensAt, closesAt });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    public static Task<HttpResponseMessage> ApplyAsync(HttpClient client, string eventId, long userId) =>
        client.PostAsJsonAsync($"/api/events/{eventId}/applications", new { userId });

    /// <summary>Sends one application per user from <paramref name="workers"/> parallel workers; returns each user's answer.</summary>
    public static async Task<RaceResult> RaceAsync(HttpClient client, string eventId, IReadOnlyList<long> users, int workers = 32)
    {
        var answers = new ConcurrentDictionary<long, HttpStatusCode>();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = workers }, async (userId, ct) =>
        {
            using var response = await ApplyAsync(client, eventId, userId);
            answers[userId] = response.StatusCode;
        });
        return new RaceResult(answers);
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
