using System.Net;
using CouponEvent.AppHost;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>
/// The race view in headless Chromium (Debian's package, driven by Playwright) during a real race on the shared stack,
/// whose two ApplyApi replicas both answer: the counters follow the race to the quantity and the timeline draws it.
/// And the dashboard's "Run the course's race" button runs that race.
/// </summary>
[Collection("stack")]
public sealed class RaceViewTests(StackFixture stack) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync() => (_playwright, _browser) = await Chromium.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task The_race_view_shows_the_answers_tallied_in_Redis_and_ends_at_the_servers_truth()
    {
        var eventId = await stack.CreateEventAsync(quantity: 100);
        var page = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await page.GotoAsync($"{stack.App.GetEndpoint("raceview", "http")}?event={eventId}");
        await page.GetByTestId("event-select").SelectOptionAsync(eventId, new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("admitted")).ToHaveTextAsync("0", new() { Timeout = 10_000 });

        // 1,000 users for 100 coupons through Aspire's proxy, which spreads them over both ApplyApi replicas.
        var users = Enumerable.Range(1, 1000).Select(i => 7_000_000L + i).ToList();
        var race = Task.Run(() => stack.Applicants.RaceUntilAnsweredAsync(stack.ApplyApi, eventId, users, workers: 4));
        await Expect(page.GetByTestId("issued")).Not.ToHaveTextAsync("0", new() { Timeout = 30_000 });
        var result = await race;

        Assert.Equal(100, result.Count(HttpStatusCode.Accepted));
        await Expect(page.GetByTestId("admitted")).ToHaveTextAsync("100", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("issued")).ToHaveTextAsync("100", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("remaining")).ToHaveTextAsync("0");
        // The refusals are each replica's tally, summed in Redis every second.
        await Expect(page.GetByTestId("sold-out")).ToHaveTextAsync(result.Count(HttpStatusCode.Gone).ToString("N0"), new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("refused")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("from-redis")).ToHaveTextAsync("0");
        // The chart fits the race: sub-second buckets for a race of seconds, and its rows are the counter's 100.
        var chart = page.GetByTestId("timeline");
        await Expect(chart).ToHaveAttributeAsync("data-issued", "100", new() { Timeout = 30_000 });
        Assert.True(await page.Locator("#timeline polyline").CountAsync() >= 2, "the timeline draws the race");
        Assert.True(int.Parse((await chart.GetAttributeAsync("data-bucket-ms"))!) < 1000, "sub-second buckets for a race of seconds");
        Assert.InRange(int.Parse((await chart.GetAttributeAsync("data-buckets"))!), 2, RaceView.RaceBoard.MaxBuckets);
        await Expect(page.Locator("#timeline .axis-title")).ToHaveCountAsync(2);
        await page.ScreenshotAsync(new() { Path = "race-view.png", FullPage = true });

        // A view opened after the race draws all of it: what was issued before it first looked is in its chart.
        var late = await _browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await late.GotoAsync($"{stack.App.GetEndpoint("raceview", "http")}?event={eventId}");
        await Expect(late.GetByTestId("issued")).ToHaveTextAsync("100", new() { Timeout = 10_000 });
        await Expect(late.GetByTestId("timeline")).ToHaveAttributeAsync("data-issued", "100", new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task The_dashboards_course_race_button_creates_a_100_coupon_event_and_issues_exactly_100()
    {
        var replica = (await stack.Resources.ReplicaIdsAsync("applyapi"))[0];
        var result = await stack.App.Services.GetRequiredService<ResourceCommandService>()
            .ExecuteCommandAsync(replica, CourseRaceCommand.Name);

        Assert.True(result.Success, result.Message);
        // "course-20261125-101010: 202 × 100, 410 × 900"
        Assert.Matches(@"^course-[0-9-]+: 202 × 100, 410 × 900$", result.Message);
        var eventId = result.Message![..result.Message!.IndexOf(':')];
        var subjects = await stack.Database.WaitForCouponSubjectsAsync(eventId, expected: 100);
        Assert.Equal(100, subjects.Distinct().Count());
        Assert.All(subjects, subject => Assert.StartsWith("racer-", subject));
    }
}
