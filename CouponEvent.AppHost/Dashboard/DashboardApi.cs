using System.Net.Sockets;
using System.Reflection;
using CouponEvent.AppHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CouponEvent.AppHost.Dashboard;

public sealed record ResourceView(string Name, string Type, string State, int? Pid, string? Url, string Health, int Restarts);

public sealed record RaceBoardView(string? Problem, IReadOnlyList<RaceCounters> Races);

/// <summary>A race's counters: the servers' figures, and the answers by outcome as the services' metrics reported them.</summary>
public sealed record RaceCounters(RaceView Race, long Duplicates, long SoldOut, long Unavailable, long Answered);

public sealed record TimelinePoint(long Second, long Admitted, long Duplicate, long SoldOut, long Unavailable, long Other, long Issued, long? Lag);

public sealed record TraceDetail(string TraceId, IReadOnlyList<SpanView> Spans, IReadOnlyList<LogView> Logs);

/// <summary>The dashboard's JSON API, read by the page every second, and the page itself (embedded in the AppHost).</summary>
public static class DashboardApi
{
    private static readonly HttpClient Health = new() { Timeout = TimeSpan.FromSeconds(1) };

    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/resources", GetResources);
        api.MapGet("/resources/{name}/logs", (string name, ResourceOutput output) =>
            TypedResults.Ok(output.Of(name).Select(l => new { time = l.Time, line = l.Line })));
        api.MapGet("/races", GetRaces);
        api.MapGet("/races/{eventId}/timeline", GetTimeline);
        api.MapGet("/traces", (string? q, TraceStore traces) => TypedResults.Ok(traces.Search(q)));
        api.MapGet("/traces/{traceId}", GetTrace);
        api.MapGet("/metrics", (MetricStore metrics) => TypedResults.Ok(metrics.All()));

        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/{file}", (string file) => Asset(file));
        return app;
    }

    private static async Task<Ok<List<ResourceView>>> GetResources(DistributedApplication stack, CancellationToken cancellationToken)
    {
        var views = new List<Task<ResourceView>>();
        foreach (var resource in stack.Resources)
        {
            switch (resource)
            {
                case ProjectResource project:
                    views.AddRange(project.Instances.Select(async i => new ResourceView(i.Name, "project", i.IsRunning ? "Running" : "Exited",
                        i.Process?.Id, i.Url, i.IsRunning ? await ProbeAsync($"{i.Url}/health", cancellationToken) : "Unhealthy", i.Restarts)));
                    break;
                case InfrastructureResource server:
                    views.Add(InfrastructureAsync(server, server.Name, server.GetType().Name.Replace("ServerResource", "").Replace("Resource", "").ToLowerInvariant(), cancellationToken));
                    if (server is MySqlServerResource { Database: { } database })
                        views.Add(InfrastructureAsync(server, database.Name, "database", cancellationToken));
                    break;
            }
        }
        return TypedResults.Ok((await Task.WhenAll(views)).ToList());
    }

    private static async Task<ResourceView> InfrastructureAsync(InfrastructureResource server, string name, string type, CancellationToken cancellationToken)
    {
        // A server is healthy here when it accepts connections: the services' own /health checks say the rest.
        var health = server.Target is { } target && target.Split(',')[0].Split(':') is [var host, var port] && int.TryParse(port, out var number)
            ? await ConnectAsync(host, number, cancellationToken) : "Unknown";
        return new ResourceView(name, type, server.State, server.ProcessId, server.Target, health, server.Restarts);
    }

    private static async Task<string> ProbeAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Health.GetAsync(url, cancellationToken);
            return response.IsSuccessStatusCode ? "Healthy" : "Unhealthy";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return "Unhealthy";
        }
    }

    private static async Task<string> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return "Healthy";
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return "Unhealthy";
        }
    }

    private static Ok<RaceBoardView> GetRaces(RaceBoard board, MetricStore metrics) =>
        TypedResults.Ok(new RaceBoardView(board.Problem, board.Races.Select(race =>
        {
            var answers = metrics.Totals(race.EventId);
            return new RaceCounters(race, answers.GetValueOrDefault("duplicate"), answers.GetValueOrDefault("sold_out"),
                answers.GetValueOrDefault("unavailable"), answers.Values.Sum());
        }).ToList()));

    private static Ok<List<TimelinePoint>> GetTimeline(string eventId, int? seconds, RaceBoard board, MetricStore metrics, TimeProvider time)
    {
        // Up to the last whole second: the current one is still being counted.
        var now = time.GetUtcNow().ToUnixTimeSeconds() - 1;
        // By default, from a little before the event's first answer (at least the last 20 s, at most 10 minutes).
        var since = seconds is { } chosen ? now - Math.Clamp(chosen, 10, 600)
            : Math.Clamp((metrics.FirstSecond(eventId) ?? now) - 3, now - 600, now - 20);
        var outcomes = metrics.Outcomes(eventId, since);
        var issued = board.Issued(eventId, since);
        var lag = metrics.Lag(since);
        var points = new List<TimelinePoint>();
        for (var second = since; second <= now; second++)
        {
            var counts = outcomes.GetValueOrDefault(second) ?? new Dictionary<string, long>();
            long Of(string outcome) => counts.GetValueOrDefault(outcome);
            points.Add(new TimelinePoint(second, Of("admitted"), Of("duplicate"), Of("sold_out"), Of("unavailable"),
                counts.Values.Sum() - Of("admitted") - Of("duplicate") - Of("sold_out") - Of("unavailable"),
                issued.GetValueOrDefault(second), lag.TryGetValue(second, out var l) ? l : null));
        }
        return TypedResults.Ok(points);
    }

    private static Results<Ok<TraceDetail>, ProblemHttpResult> GetTrace(string traceId, TraceStore traces) =>
        traces.Get(traceId) is var (spans, logs)
            ? TypedResults.Ok(new TraceDetail(traceId, spans, logs))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: "urn:couponevent:unknown-trace",
                title: "No such trace in the window.", detail: $"The dashboard keeps the last {TraceStore.MaxTraces:N0} traces and {TraceStore.MaxRefusals:N0} refusals; '{traceId}' is not among them.");

    /// <summary>The page's files, embedded at build time as <c>wwwroot/{name}</c>.</summary>
    private static IResult Asset(string file)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"wwwroot/{file}");
        if (stream is null) return Results.NotFound();
        var type = Path.GetExtension(file) switch { ".html" => "text/html; charset=utf-8", ".js" => "text/javascript; charset=utf-8", ".css" => "text/css; charset=utf-8", _ => "application/octet-stream" };
        return Results.Stream(stream, type);
    }
}
