using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CouponEvent.ApplyApi;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CouponEvent.Tests.Integration;

/// <summary>
/// Answers from memory: a known winner's repeat and the burst after the last coupon are answered without Redis, and a
/// released slot or a reopened event is noticed.
/// </summary>
[Collection("stack")]
public sealed class SoldOutTests(StackFixture stack) : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task After_the_last_coupon_losers_get_410_and_winners_409_from_memory_without_running_the_admission_script()
    {
        await using var factory = new ApplyApiFactory(stack);
        using var client = factory.CreateClient();
        var eventId = await SellOutAsync(client, factory, quantity: 3);

        var answers = new List<HttpStatusCode>();
        var scripts = await CountAdmissionScriptsAsync(async () =>
        {
            for (var user = 1; user <= 200; user++)
            {
                using var response = await stack.Applicants.ApplyAsync(client, eventId, user);
                answers.Add(response.StatusCode);
            }
        });

        Assert.Equal([HttpStatusCode.Conflict, HttpStatusCode.Conflict, HttpStatusCode.Conflict], answers.Take(3));
        Assert.All(answers.Skip(3), status => Assert.Equal(HttpStatusCode.Gone, status));
        Assert.Equal(0, scripts);
        using var gone = await stack.Applicants.ApplyAsync(client, eventId, 1000);
        var problem = await gone.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.SoldOut.Uri, problem.GetProperty("type").GetString());
        Assert.Equal(3, await CountAsync(client, eventId));
    }

    [Fact]
    public async Task A_slot_released_after_a_refused_publish_is_announced_and_reopens_the_event_for_the_next_user()
    {
        // The periodic check is a minute away: only the release's announcement can reopen the event in this test.
        await using var factory = new ApplyApiFactory(stack, web => web.UseSetting("SoldOut:CheckInterval", "00:01:00"));
        using var client = factory.CreateClient();
        var eventId = await SellOutAsync(client, factory, quantity: 3);

        await ReleaseAsApplyApiDoesAsync(eventId, userId: "2");
        var remembered = factory.Services.GetRequiredService<RememberedAnswers>();
        await Eventually.HoldsAsync(() => Task.FromResult(!remembered.IsSoldOut(eventId)), TimeSpan.FromSeconds(30));

        using var reopened = await stack.Applicants.ApplyAsync(client, eventId, 100);
        Assert.Equal(HttpStatusCode.Accepted, reopened.StatusCode);
        using var next = await stack.Applicants.ApplyAsync(client, eventId, 10_000);
        Assert.Equal(HttpStatusCode.Gone, next.StatusCode);
    }

    [Fact]
    public async Task A_change_whose_announcement_is_lost_is_noticed_by_the_periodic_check()
    {
        await using var factory = new ApplyApiFactory(stack, web => web.UseSetting("SoldOut:CheckInterval", "00:00:00.200"));
        using var client = factory.CreateClient();
        var eventId = await SellOutAsync(client, factory, quantity: 2);

        // A slot freed behind the instances' back: no announcement on the channel.
        await _redis.GetDatabase().HashDeleteAsync(EventKeys.Winners(eventId), 1);
        var remembered = factory.Services.GetRequiredService<RememberedAnswers>();
        await Eventually.HoldsAsync(() => Task.FromResult(!remembered.IsSoldOut(eventId)), TimeSpan.FromSeconds(5));

        using var response = await stack.Applicants.ApplyAsync(client, eventId, 500);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Before_the_sell_out_a_known_winner_gets_409_from_memory_without_running_the_admission_script()
    {
        // Remembered winners are forgotten every check interval: a minute away here.
        await using var factory = new ApplyApiFactory(stack, web => web.UseSetting("SoldOut:CheckInterval", "00:01:00"));
        using var client = factory.CreateClient();
        var eventId = await AdmitRememberedAsync(client, factory, quantity: 100, users: 5);

        var answers = new List<HttpStatusCode>();
        var scripts = await CountAdmissionScriptsAsync(async () =>
        {
            for (var user = 2; user <= 5; user++)
            {
                using var response = await stack.Applicants.ApplyAsync(client, eventId, user);
                answers.Add(response.StatusCode);
            }
        });

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Conflict, status));
        Assert.Equal(0, scripts);
        Assert.Equal(5, await CountAsync(client, eventId));
    }

    [Fact]
    public async Task A_remembered_winner_whose_slot_is_released_can_apply_again_at_once()
    {
        // The periodic forgetting is a minute away: only the release's announcement can make the winner apply again.
        await using var factory = new ApplyApiFactory(stack, web => web.UseSetting("SoldOut:CheckInterval", "00:01:00"));
        using var client = factory.CreateClient();
        var eventId = await AdmitRememberedAsync(client, factory, quantity: 100, users: 3);

        await ReleaseAsApplyApiDoesAsync(eventId, userId: "2");
        var remembered = factory.Services.GetRequiredService<RememberedAnswers>();
        await Eventually.HoldsAsync(() => Task.FromResult(remembered.Answer(eventId, "2") is null), TimeSpan.FromSeconds(30));

        using var again = await stack.Applicants.ApplyAsync(client, eventId, 2);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
    }

    [Fact]
    public async Task A_winner_freed_without_an_announcement_is_forgotten_by_the_periodic_check()
    {
        await using var factory = new ApplyApiFactory(stack, web => web.UseSetting("SoldOut:CheckInterval", "00:00:00.200"));
        using var client = factory.CreateClient();
        var eventId = await AdmitRememberedAsync(client, factory, quantity: 100, users: 3);

        // A slot freed behind the instances' back: no announcement on the channel.
        await _redis.GetDatabase().HashDeleteAsync(EventKeys.Winners(eventId), 3);
        var remembered = factory.Services.GetRequiredService<RememberedAnswers>();
        await Eventually.HoldsAsync(() => Task.FromResult(remembered.Answer(eventId, "3") is null), TimeSpan.FromSeconds(5));

        using var response = await stack.Applicants.ApplyAsync(client, eventId, 3);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>
    /// Creates an event and admits users 1..<paramref name="users"/> through this instance, once it remembers the event's
    /// winners (the first admission makes it learn the event), so that it remembers users 2..<paramref name="users"/>.
    /// </summary>
    private async Task<string> AdmitRememberedAsync(HttpClient client, ApplyApiFactory factory, int quantity, int users)
    {
        var eventId = await stack.CreateEventAsync(quantity);
        var remembered = factory.Services.GetRequiredService<RememberedAnswers>();
        using (var first = await stack.Applicants.ApplyAsync(client, eventId, 1)) Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(remembered.RemembersWinnersOf(eventId)), TimeSpan.FromSeconds(10));
        for (var user = 2; user <= users; user++)
        {
            using var admitted = await stack.Applicants.ApplyAsync(client, eventId, user);
            Assert.Equal(HttpStatusCode.Accepted, admitted.StatusCode);
        }
        return eventId;
    }

    /// <summary>Frees a winner's slot with the release script, as ApplyApi does when the brokers refuse its publish: the change is announced.</summary>
    private async Task ReleaseAsApplyApiDoesAsync(string eventId, string userId)
    {
        var db = _redis.GetDatabase();
        var applicationId = Guid.Parse((string)(await db.HashGetAsync(EventKeys.Winners(eventId), userId))!);
        Assert.True(await db.ReleaseAsync(eventId, userId, applicationId));
    }

    /// <summary>
    /// Runs of the admission script in this instance while <paramref name="act"/> runs (each records its duration;
    /// counting scripts on the Redis server would count every other instance's and every event's background checks too).
    /// </summary>
    private static async Task<int> CountAdmissionScriptsAsync(Func<Task> act)
    {
        var scripts = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument == ApplyApiTelemetry.AdmissionDuration) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref scripts));
        listener.Start();
        await act();
        return scripts;
    }

    /// <summary>Creates an event, fills it with users 1..quantity, and waits until this instance has learnt it is sold out.</summary>
    private async Task<string> SellOutAsync(HttpClient client, ApplyApiFactory factory, int quantity)
    {
        var eventId = await stack.CreateEventAsync(quantity);
        for (var user = 1; user <= quantity; user++)
        {
            using var admitted = await stack.Applicants.ApplyAsync(client, eventId, user);
            Assert.Equal(HttpStatusCode.Accepted, admitted.StatusCode);
        }
        using var first = await stack.Applicants.ApplyAsync(client, eventId, quantity + 1);
        Assert.Equal(HttpStatusCode.Gone, first.StatusCode);
        var remembered = factory.Services.GetRequiredService<RememberedAnswers>();
        await Eventually.HoldsAsync(() => Task.FromResult(remembered.IsSoldOut(eventId)), TimeSpan.FromSeconds(10));
        return eventId;
    }

    private static async Task<long> CountAsync(HttpClient client, string eventId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}")).GetProperty("admitted").GetInt64();
}
