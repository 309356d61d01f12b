using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using CouponEvent.Data;
using CouponEvent.Data.Messages;
using CouponEvent.AppHost;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>
/// Aspire's own dashboard, on a stack of its own started with it (tests start without it by default): the services
/// export to it as Aspire configures them, and a winner's application is one trace across ApplyApi and the Consumer,
/// a retried one across the Consumer and the RetryJob. Read through the dashboard's telemetry API and its page.
/// </summary>
public sealed class AspireDashboardTests : IAsyncLifetime
{
    private const string DashboardApiKey = "test-dashboard-api-key";
    private DistributedApplication _app = null!;
    private HttpClient _applyApi = null!;
    private HttpClient _identity = null!;
    private Applicants _applicants = null!;
    private HttpClient _telemetry = null!;
    private Uri _dashboard = null!;

    public async Task InitializeAsync()
    {
        // The page without its login (the browser token is the AppHost's to print); the telemetry API with a key.
        _app = await StackFixture.StartAsync([$"--AppHost:DashboardApiKey={DashboardApiKey}", "--ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true"],
            dashboard: true);
        _applyApi = await StackFixture.CreateAdminClientAsync(_app);
        _identity = _app.CreateHttpClient("identity");
        _applicants = new Applicants(_identity);
        _dashboard = new Uri(_app.GetEndpoint("aspire-dashboard", "http").ToString());
        _telemetry = new HttpClient { BaseAddress = _dashboard };
        _telemetry.DefaultRequestHeaders.Add("x-api-key", DashboardApiKey);
    }

    public async Task DisposeAsync()
    {
        _applyApi.Dispose();
        _identity.Dispose();
        _telemetry.Dispose();
        await _app.DisposeAsync();
    }

    /// <summary>
    /// Waits until the dashboard's copy of the trace (OTLP JSON) holds every one of <paramref name="expected"/>, then
    /// asserts each, so that a failure names what is missing.
    /// </summary>
    private async Task AssertTraceHoldsAsync(string traceId, params string[] expected)
    {
        var json = "";
        try
        {
            // Each service exports on its own schedule, and a parent span ends (and is exported) after its children.
            await Eventually.HoldsAsync(async () =>
            {
                using var response = await _telemetry.GetAsync($"/api/telemetry/spans?traceId={traceId}");
                json = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : $"{(int)response.StatusCode}";
                return expected.All(json.Contains);
            }, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // The assertions say what is missing.
        }
        foreach (var text in expected)
            Assert.Contains(text, json);
    }

    [Fact]
    public async Task A_winners_application_is_one_trace_across_applyapi_and_consumer_in_Aspires_dashboard()
    {
        var eventId = $"d-{Guid.NewGuid():N}"[..20];
        using (var created = await _applyApi.PostAsJsonAsync("/api/events", new { id = eventId, name = "Dashboard", quantity = 10 }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var traceParent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        var traceId = traceParent[3..35];
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{eventId}/applications");
        request.Headers.Authorization = new("Bearer", await _applicants.TokenAsync("4242"));
        request.Headers.Add("traceparent", traceParent);
        using (var accepted = await _applyApi.SendAsync(request))
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        await AssertTraceHoldsAsync(traceId,
            "\"POST /api/events/{eventId}/applications\"", "\"FCALL admit\"", "\"coupon_create process\"",
            "\"applyapi\"", "\"consumer\"",
            "\"4242\""); // coupon.user_id: findable by its attributes

        // The page opens on the traces, with no error banner, and lists the winner's trace.
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
            await page.GotoAsync($"{_dashboard}traces/detail/{traceId}");
            try
            {
                await Expect(page.GetByText("FCALL admit").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
                await Expect(page.GetByText("consumer").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            }
            finally
            {
                await page.ScreenshotAsync(new() { Path = "aspire-dashboard-single-trace.png", FullPage = true });
            }
            await Expect(page.Locator(".fluent-messagebar-intent-error, [intent=error]")).ToHaveCountAsync(0);
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task The_dashboards_race_button_makes_one_trace_per_application_and_each_winners_trace_reaches_its_row()
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
            await page.GotoAsync(_dashboard.ToString());
            // A person's way: applyapi's row, its actions menu, the command.
            var row = page.GetByRole(AriaRole.Row, new() { Name = "Project: applyapi" }).First;
            try
            {
                await Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });
                await row.GetByRole(AriaRole.Button, new() { Name = "Actions" }).ClickAsync(new() { Timeout = 30_000 });
                var command = page.GetByRole(AriaRole.Menuitem, new() { Name = "Run the course's race" });
                await Expect(command).ToBeEnabledAsync(new() { Timeout = 30_000 });
                await command.ClickAsync();
                // A command that runs closes the menu. A click that lands while the grid re-renders (a resource's
                // health changing) leaves it open and runs nothing: click again, as a person would.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await Expect(command).ToBeHiddenAsync(new() { Timeout = 5_000 });
                        break;
                    }
                    catch (PlaywrightException) when (attempt < 3)
                    {
                        await command.ClickAsync(new() { Timeout = 10_000 });
                    }
                }
            }
            finally
            {
                await page.ScreenshotAsync(new() { Path = "aspire-dashboard-resources.png" });
            }

            // Every application of the race is the root of a trace of its own: 1,000 traces, one application each.
            List<RaceTrace> race = [];
            try
            {
                // Each service exports on its own schedule; the race is whole once every winner's row write has arrived.
                await Eventually.HoldsAsync(async () =>
                {
                    race = await RaceTracesAsync();
                    return race.Count >= CourseRaceCommand.Users && race.Count(t => t.Spans.Contains("INSERT coupons")) >= CourseRaceCommand.Quantity;
                }, TimeSpan.FromMinutes(2));
            }
            catch (TimeoutException)
            {
                // The assertions say what is missing.
            }
            Assert.Equal(CourseRaceCommand.Users, race.Count);
            Assert.All(race, t => Assert.Equal(1, t.Applications));
            var winners = race.Where(t => t.Status == 202).ToList();
            Assert.Equal(CourseRaceCommand.Quantity, winners.Count);
            Assert.All(winners, t =>
            {
                Assert.Equal(["applyapi", "consumer"], t.Services.Order());
                Assert.Superset(new HashSet<string> { "FCALL admit", "coupon_create publish", "coupon_create process", "INSERT coupons" }, t.Spans);
            });

            await page.GotoAsync($"{_dashboard}traces");
            await Expect(page.GetByText("applyapi: POST /api/events/{eventId}/applications").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await page.ScreenshotAsync(new() { Path = "aspire-dashboard-race.png" });
            // A winner's waterfall, for the README: the publish and the process read apart, and the row's write is in it.
            await page.GotoAsync($"{_dashboard}traces/detail/{winners[0].TraceId}");
            await Expect(page.GetByText("MSG kafka process coupon_create").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(page.GetByText("MSG kafka publish coupon_create").First).ToBeVisibleAsync();
            await Expect(page.GetByText("INSERT coupons").First).ToBeVisibleAsync();
            await page.ScreenshotAsync(new() { Path = "aspire-dashboard-trace.png", FullPage = true });
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    /// <param name="Applications">ApplyApi's apply requests in the trace.</param>
    /// <param name="Status">The apply request's status code.</param>
    private sealed record RaceTrace(string TraceId, int Applications, int Status, HashSet<string> Services, HashSet<string> Spans);

    /// <summary>The traces in the dashboard of the course's race (event ids "course-…"), read through its telemetry API.</summary>
    private async Task<List<RaceTrace>> RaceTracesAsync()
    {
        using var response = await _telemetry.GetAsync("/api/telemetry/spans?limit=100000");
        if (!response.IsSuccessStatusCode) return [];
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var spans = new List<(string TraceId, string Service, string Name, Dictionary<string, string> Tags)>();
        // The API's answer: {"data": <OTLP JSON>, "totalCount": …}.
        foreach (var resource in Array(json.RootElement.GetProperty("data"), "resourceSpans"))
        {
            var service = Tags(resource.GetProperty("resource")).GetValueOrDefault("service.name", "");
            foreach (var scope in Array(resource, "scopeSpans"))
                foreach (var span in Array(scope, "spans"))
                    spans.Add((span.GetProperty("traceId").GetString()!, service, span.GetProperty("name").GetString()!, Tags(span)));
        }
        const string Apply = "POST /api/events/{eventId}/applications";
        return spans.GroupBy(s => s.TraceId)
            .Where(t => t.Any(s => s.Name == Apply && s.Tags.GetValueOrDefault("coupon.event_id", "").StartsWith("course-", StringComparison.Ordinal)))
            .Select(t => new RaceTrace(t.Key, t.Count(s => s.Name == Apply),
                int.Parse(t.First(s => s.Name == Apply).Tags.GetValueOrDefault("http.response.status_code", "0")),
                t.Select(s => s.Service).ToHashSet(), t.Select(s => s.Name).ToHashSet()))
            .ToList();

        static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
            element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

        static Dictionary<string, string> Tags(JsonElement element)
        {
            var tags = new Dictionary<string, string>();
            foreach (var attribute in Array(element, "attributes"))
            {
                var value = attribute.GetProperty("value");
                var text = value.TryGetProperty("stringValue", out var s) ? s.GetString()
                    : value.TryGetProperty("intValue", out var i) ? (i.ValueKind == JsonValueKind.String ? i.GetString() : i.GetRawText())
                    : value.ToString();
                tags[attribute.GetProperty("key").GetString()!] = text ?? "";
            }
            return tags;
        }
    }

    [Fact]
    public async Task A_retried_application_keeps_one_trace_from_the_consumer_to_the_retry_job()
    {
        // An application whose event MySQL does not know yet, published with a trace context of the test's own.
        var eventId = $"d-{Guid.NewGuid():N}"[..20];
        var application = CouponApplication.Create(Guid.NewGuid(), eventId, "42", DateTimeOffset.UtcNow);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var database = new CouponDatabase((await _app.GetConnectionStringAsync("coupondb"))!, (await _app.GetConnectionStringAsync("kafka"))!);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = await _app.GetConnectionStringAsync("kafka") }).Build())
        {
            await producer.ProduceAsync(Topics.CouponCreate, new Message<string, byte[]>
            {
                Key = application.Key,
                Value = application.ToUtf8Json(),
                Headers = new Headers { { "traceparent", Encoding.ASCII.GetBytes($"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01") } },
            });
        }
        await Eventually.HoldsAsync(async () => await database.ScalarAsync(
            "SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND trace_parent LIKE CONCAT('00-', @t, '-%')", ("@e", eventId), ("@t", traceId)) == 1);

        // The cause goes away; the RetryJob issues the coupon, in the same trace.
        await database.ScalarAsync("INSERT INTO events (id, name, quantity, created_at) VALUES (@e, 'late', 1, UTC_TIMESTAMP(6))", ("@e", eventId));
        Assert.Equal([42L], await database.WaitForCouponsAsync(eventId, expected: 1));

        await AssertTraceHoldsAsync(traceId,
            "\"coupon_create process\"", "\"failed_event retry\"", "\"consumer\"", "\"retryjob\"",
            "\"issued\""); // coupon.retry.result
    }

    [Fact]
    public async Task Background_work_makes_no_traces_of_its_own()
    {
        // Health checks, polls and connection opens run all the time. Once an application made now has reached the
        // dashboard (so export works, and the background work of that while was exported too), the list holds none of theirs.
        var eventId = $"b-{Guid.NewGuid():N}"[..20];
        using (var created = await _applyApi.PostAsJsonAsync("/api/events", new { id = eventId, name = "Background", quantity = 10 }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var accepted = await _applicants.ApplyAsync(_applyApi, eventId, "4343"))
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        // Each service exports on its own schedule: the application's own root span, ApplyApi's, may come last.
        var roots = await Eventually.ReturnsAsync(async () =>
        {
            using var response = await _telemetry.GetAsync("/api/telemetry/traces?limit=200");
            var traces = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode && traces.Contains(eventId, StringComparison.Ordinal)
                ? RootSpanNames(JsonDocument.Parse(traces).RootElement).ToList()
                : [];
        }, names => names.Contains("POST /api/events/{eventId}/applications"), TimeSpan.FromSeconds(30));
        // A request's MySQL spans (Open, Execute) are children in its trace; a background one would be a trace's root.
        Assert.DoesNotContain(roots, name => name is "GET /health" or "GET /alive" or "Open" or "Execute");
    }

    /// <summary>The names of the spans without a parent, anywhere in an OTLP JSON document.</summary>
    private static IEnumerable<string> RootSpanNames(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("spanId", out _) && element.TryGetProperty("name", out var name)
                && (!element.TryGetProperty("parentSpanId", out var parent) || string.IsNullOrEmpty(parent.GetString())))
                yield return name.GetString()!;
            foreach (var property in element.EnumerateObject())
                foreach (var root in RootSpanNames(property.Value)) yield return root;
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
                foreach (var root in RootSpanNames(item)) yield return root;
        }
    }
}
