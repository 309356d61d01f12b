using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using CouponEvent.AppHost.Hosting;
using CouponEvent.Data.Messages;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>
/// The AppHost's dashboard in headless Chromium (Debian's package, driven by Playwright) during a real race on the
/// shared stack: the counters follow the race to the quantity, the timeline draws it, a winner's trace opens as a
/// waterfall across ApplyApi and the Consumer, and the resources are listed healthy. Screenshots go to the test output.
/// </summary>
[Collection("stack")]
public sealed class DashboardTests(StackFixture stack) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            // This machine has no outside network: Chromium's own background connections only fail and slow it.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task The_dashboard_shows_the_race_live_and_opens_a_winners_trace()
    {
        var eventId = await stack.CreateEventAsync(quantity: 100);
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1000 } });
        await page.GotoAsync($"{stack.App.DashboardUrl}/#race");
        await page.GetByTestId("event-select").SelectOptionAsync(eventId, new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("admitted")).ToHaveTextAsync("0", new() { Timeout = 10_000 });

        // 1,000 users for 100 coupons, paced so that the race lasts a few seconds on the page.
        // User ids of this test's own, so that a search by user id finds this race's trace only.
        var users = Enumerable.Range(1, 1000).Select(i => 7_000_000L + i).ToList();
        var race = Task.Run(() => StackFixture.RaceUntilAnsweredAsync(stack.ApplyApi, eventId, users, workers: 4));

        // Counters move while the race runs, and end at the servers' truth.
        await Expect(page.GetByTestId("issued")).Not.ToHaveTextAsync("0", new() { Timeout = 30_000 });
        var result = await race;
        Assert.Equal(100, result.Count(HttpStatusCode.Accepted));
        await Expect(page.GetByTestId("admitted")).ToHaveTextAsync("100", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("issued")).ToHaveTextAsync("100", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("0");
        // The refusals come from the services' metrics, exported every second.
        await Expect(page.GetByTestId("sold-out")).ToHaveTextAsync(result.Count(HttpStatusCode.Gone).ToString("N0"), new() { Timeout = 30_000 });
        Assert.True(await page.Locator("#timeline polyline").CountAsync() >= 2, "the timeline draws the race");
        await page.ScreenshotAsync(new() { Path = "dashboard-race.png", FullPage = true });

        // A winner's application, found by user id, opens as one trace across both services.
        var winner = result.Accepted.First();
        await page.GotoAsync($"{stack.App.DashboardUrl}/#traces");
        await page.GetByTestId("trace-query").FillAsync(winner.ToString());
        var row = page.GetByTestId("trace-rows").Locator("tr", new() { HasText = "admitted" }).Filter(new() { HasText = "consumer" });
        await Expect(row).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await row.ClickAsync();
        var waterfall = page.GetByTestId("waterfall");
        await Expect(waterfall).ToContainTextAsync("POST /api/events/{eventId}/applications");
        await Expect(waterfall).ToContainTextAsync("EVALSHA admit");
        await Expect(waterfall).ToContainTextAsync("coupon_create process");
        await Expect(page.GetByTestId("trace-detail")).ToContainTextAsync($"coupon.user_id{winner}");
        await page.ScreenshotAsync(new() { Path = "dashboard-trace.png", FullPage = true });

        // Every process and server is listed, the services healthy.
        await page.GotoAsync($"{stack.App.DashboardUrl}/#resources");
        foreach (var name in new[] { "applyapi-1", "applyapi-2", "consumer", "retryjob-1", "redis", "kafka", "mysql" })
            await Expect(page.Locator("#resource-rows tr", new() { HasText = name }).First).ToContainTextAsync("Healthy", new() { Timeout = 10_000 });
        await Expect(page.Locator("#resource-rows tr", new() { HasText = "redis" }).First)
            .ToContainTextAsync($"{stack.App.GetResource<RedisResource>("redis").ProcessId}");
    }

    [Fact]
    public async Task A_retried_application_keeps_one_trace_from_the_consumer_to_the_retry_job()
    {
        // An application whose event MySQL does not know yet, published with a trace context of the test's own.
        var eventId = $"d-{Guid.NewGuid():N}"[..20];
        var application = CouponApplication.Create(Guid.NewGuid(), eventId, 42, DateTimeOffset.UtcNow);
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = stack.App.GetConnectionString("kafka") }).Build())
        {
            await producer.ProduceAsync(Topics.CouponCreate, new Message<string, byte[]>
            {
                Key = application.Key,
                Value = application.ToUtf8Json(),
                Headers = new Headers { { "traceparent", Encoding.ASCII.GetBytes($"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01") } },
            });
        }
        await Eventually.HoldsAsync(async () => await stack.Database.ScalarAsync(
            "SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND trace_parent LIKE CONCAT('00-', @t, '-%')", ("@e", eventId), ("@t", traceId)) == 1);

        // The cause goes away; the RetryJob issues the coupon, in the same trace.
        await stack.Database.ScalarAsync("INSERT INTO events (id, name, quantity, created_at) VALUES (@e, 'late', 1, UTC_TIMESTAMP(6))", ("@e", eventId));
        Assert.Equal([42L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));

        using var http = new HttpClient { BaseAddress = new Uri(stack.App.DashboardUrl!) };
        var spans = new List<(string Service, string Name, string? Result)>();
        var logs = new List<(string Service, string Message)>();
        bool ConsumerSpan() => spans.Contains(("consumer", "coupon_create process", null));
        bool RetrySpan() => spans.Any(s => s.Service.StartsWith("retryjob") && s.Name == "failed_event retry" && s.Result == "issued");
        bool ConsumerLine() => logs.Any(l => l.Service == "consumer" && l.Message.Contains($"Application {application.ApplicationId}") && l.Message.Contains("failed event"));
        bool RetryLine() => logs.Any(l => l.Service.StartsWith("retryjob") && l.Message.Contains($"Issued application {application.ApplicationId}"));
        // Each service exports on its own second: wait for all of them.
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                using var response = await http.GetAsync($"/api/traces/{traceId}");
                if (!response.IsSuccessStatusCode) return false;
                var trace = await response.Content.ReadFromJsonAsync<JsonElement>();
                spans = trace.GetProperty("spans").EnumerateArray().Select(s => (s.GetProperty("service").GetString()!, s.GetProperty("name").GetString()!,
                    s.GetProperty("attributes").TryGetProperty("coupon.retry.result", out var result) ? result.GetString() : null)).ToList();
                logs = trace.GetProperty("logs").EnumerateArray().Select(l => (l.GetProperty("service").GetString()!, l.GetProperty("message").GetString()!)).ToList();
                return ConsumerSpan() && RetrySpan() && ConsumerLine() && RetryLine();
            }, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // The assertions below say what is missing.
        }
        Assert.True(ConsumerSpan(), $"the Consumer's span is in the trace: {string.Join(", ", spans)}");
        Assert.True(RetrySpan(), $"the RetryJob's span is in the trace: {string.Join(", ", spans)}");
        // The log lines about this application are in its trace, and name it.
        Assert.True(ConsumerLine(), $"the Consumer's line is in the trace: {string.Join(" | ", logs)}");
        Assert.True(RetryLine(), $"the RetryJob's line is in the trace: {string.Join(" | ", logs)}");
    }

    [Fact]
    public async Task The_otlp_receiver_answers_bad_bodies_with_problem_details()
    {
        using var http = new HttpClient { BaseAddress = new Uri(stack.App.DashboardUrl!) };
        // The key the AppHost gave the services: "x-otlp-api-key=...".
        var header = stack.App.GetProject("consumer").Instances[0].Environment["OTEL_EXPORTER_OTLP_HEADERS"]!.Split('=', 2);
        http.DefaultRequestHeaders.Add(header[0], header[1]);
        using var json = await http.PostAsJsonAsync("/v1/traces", new { resourceSpans = Array.Empty<object>() });
        using var garbage = await http.PostAsync("/v1/metrics", new ByteArrayContent([0xff, 0xff, 0xff]) { Headers = { ContentType = new("application/x-protobuf") } });

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal("application/problem+json", garbage.Content.Headers.ContentType?.MediaType);
    }
}
