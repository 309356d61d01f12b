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
                // The dashboard names a span by its messaging conventions: the Consumer's is "MSG kafka coupon_create".
                await Expect(page.GetByText("FCALL admit").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
                await Expect(page.GetByText("consumer").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            }
            finally
            {
                await page.ScreenshotAsync(new() { Path = "aspire-dashboard-trace.png", FullPage = true });
            }
            await Expect(page.Locator(".fluent-messagebar-intent-error, [intent=error]")).ToHaveCountAsync(0);

            // The course's race from the dashboard's button on applyapi; the trace list afterwards is the README's picture.
            var replica = (await new StackResources(_app).ReplicaIdsAsync("applyapi"))[0];
            var result = await _app.Services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(replica, CourseRaceCommand.Name);
            Assert.True(result.Success, result.Message);
            await page.GotoAsync($"{_dashboard}traces");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Traces" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await page.ScreenshotAsync(new() { Path = "aspire-dashboard-race.png" });
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
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
