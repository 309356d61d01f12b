using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Confluent.Kafka;
using CouponEvent.ApplyApi.Events;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace CouponEvent.Tests.Integration;

/// <summary>
/// Status polls kept off MySQL: each status answered right, with the MySQL commands each answer cost counted (the
/// MySqlConnector activities in the request's own trace, in an ApplyApi in this process); an unchanged status is 304;
/// a poll held with <c>Prefer: wait</c> is answered when the status changes, at once when the change is announced.
/// </summary>
[Collection("stack")]
public sealed class StatusTests : IAsyncLifetime
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private readonly StackFixture stack;
    private readonly ConcurrentDictionary<ActivityTraceId, int> _mySqlCommands = new();
    private readonly ActivityListener _listener;
    private readonly ApplyApiFactory _factory;
    private HttpClient _api = null!;
    private ConnectionMultiplexer _redis = null!;

    public StatusTests(StackFixture stack)
    {
        this.stack = stack;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "MySqlConnector" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = a =>
            {
                // A command is an Execute (a connection's Open is not: the pool may or may not open one).
                if (a is { Source.Name: "MySqlConnector", OperationName: "Execute" }) _mySqlCommands.AddOrUpdate(a.TraceId, 1, (_, n) => n + 1);
            },
        };
        ActivitySource.AddActivityListener(_listener);
        _factory = new ApplyApiFactory(stack, web => web.UseSetting("Status:CacheFor", CacheFor.ToString("c")));
    }

    public async Task InitializeAsync()
    {
        _api = _factory.CreateClient();
        _redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _factory.DisposeAsync();
        await _redis.DisposeAsync();
        _listener.Dispose();
    }

    [Fact]
    public async Task Losers_and_strangers_are_none_and_an_issued_winner_issued_and_only_a_winners_first_read_reaches_MySQL()
    {
        var eventId = await CreateKnownEventAsync(quantity: 2);
        foreach (var user in new long[] { 1, 2 })
        {
            using var won = await stack.Applicants.ApplyAsync(_api, eventId, user);
            Assert.Equal(HttpStatusCode.Accepted, won.StatusCode);
        }
        using (var lost = await stack.Applicants.ApplyAsync(_api, eventId, 3)) Assert.Equal(HttpStatusCode.Gone, lost.StatusCode);
        await stack.Database.WaitForCouponsAsync(eventId, expected: 2);

        foreach (var (user, who) in new[] { (99L, "a stranger"), (3L, "a loser") })
        {
            var (status, mySql) = await StatusAsync(eventId, user);
            Assert.Equal("none", status);
            Assert.True(mySql == 0, $"{who}'s status cost {mySql} MySQL commands");
        }

        var first = await StatusAsync(eventId, 1);
        Assert.Equal("issued", first.Status);
        Assert.InRange(first.MySql, 1, 2);
        var again = await StatusAsync(eventId, 1);
        Assert.Equal("issued", again.Status);
        Assert.Equal(0, again.MySql);

        var unknown = await SendAsync($"no-such-event-{Guid.NewGuid():N}"[..30], 1);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Response.StatusCode);
    }

    [Fact]
    public async Task Accepted_retrying_and_refused_read_MySQL_once_per_CacheFor_and_a_row_shows_as_issued_within_it()
    {
        var eventId = await CreateKnownEventAsync(quantity: 10);
        var accepted = await PlantWinnerAsync(eventId, 4);
        await stack.Database.InsertFailedEventsAsync(eventId, [(5L, await PlantWinnerAsync(eventId, 5))], FailedEventStatus.Parked);
        await stack.Database.InsertFailedEventsAsync(eventId, [(6L, await PlantWinnerAsync(eventId, 6))], FailedEventStatus.Refused);

        foreach (var (user, expected) in new[] { (4L, "accepted"), (5L, "retrying"), (6L, "refused") })
        {
            var first = await StatusAsync(eventId, user);
            Assert.Equal(expected, first.Status);
            Assert.InRange(first.MySql, 1, 2);
            var again = await StatusAsync(eventId, user);
            Assert.Equal(expected, again.Status);
            Assert.Equal(0, again.MySql);
        }

        // The coupon row is written: the status says so within CacheFor, however often it is asked.
        await InsertCouponAsync(eventId, 4, accepted);
        var written = Stopwatch.StartNew();
        await Eventually.HoldsAsync(async () => (await StatusAsync(eventId, 4)).Status == "issued", TimeSpan.FromSeconds(10));
        Assert.True(written.Elapsed < CacheFor + TimeSpan.FromSeconds(1), $"issued shown {written.Elapsed} after the row");
    }

    [Fact]
    public async Task Winners_admitted_while_the_event_is_heard_are_accepted_and_then_issued_with_no_MySQL_read_of_their_own()
    {
        var eventId = await CreateKnownEventAsync(quantity: 10);
        // The event's first status read subscribes this instance to its announcements; a winner admitted more than the
        // instances' clock margin (1 s) later would have been announced since.
        Assert.Equal("none", (await StatusAsync(eventId, 99)).Status);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var applications = new[] { (User: 8L, Id: await PlantWinnerAsync(eventId, 8)), (User: 9L, Id: await PlantWinnerAsync(eventId, 9)) };

        var (fresh, freshMySql) = await SendAsync(eventId, 8);
        Assert.Equal("accepted", Status(fresh));
        Assert.Equal(0, freshMySql);

        // Both rows written and announced in one message, as the Consumer announces a batch: the instance reads both
        // coupons in one query before it answers the held poll, and the next poll finds the other in memory.
        var poll = SendAsync(eventId, 8, r =>
        {
            r.Headers.IfNoneMatch.Add(fresh.Headers.ETag!);
            r.Headers.Add("Prefer", "wait=20");
        });
        foreach (var (user, id) in applications) await InsertCouponAsync(eventId, user, id);
        new StatusChanges(_redis).Announce(applications.Select(a => (eventId, Applicants.Subject(a.User))));
        var (answered, heldMySql) = await poll;
        Assert.Equal("issued", Status(answered));
        Assert.Equal(0, heldMySql);
        var other = await StatusAsync(eventId, 9);
        Assert.Equal("issued", other.Status);
        Assert.Equal(0, other.MySql);
    }

    [Fact]
    public async Task An_unchanged_status_is_304_and_a_held_poll_is_answered_when_it_changes()
    {
        var eventId = await CreateKnownEventAsync(quantity: 10);
        var applicationId = await PlantWinnerAsync(eventId, 7);

        var (response, _) = await SendAsync(eventId, 7);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var etag = response.Headers.ETag!;
        Assert.True(response.Headers.CacheControl is { Private: true, MaxAge.TotalSeconds: 2 }, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);

        var (unchanged, _) = await SendAsync(eventId, 7, r => r.Headers.IfNoneMatch.Add(etag));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());

        // Held: nothing changes for a second, then the row is written.
        var held = Stopwatch.StartNew();
        var poll = SendAsync(eventId, 7, r =>
        {
            r.Headers.IfNoneMatch.Add(etag);
            r.Headers.Add("Prefer", "wait=20");
        });
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(poll.IsCompleted, "the poll was answered before its status changed");
        await InsertCouponAsync(eventId, 7, applicationId);
        var (changed, _) = await poll;
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("issued", Status(changed));
        Assert.Equal("wait=20", changed.Headers.GetValues("Preference-Applied").Single());
        Assert.True(held.Elapsed < TimeSpan.FromSeconds(1) + 2 * CacheFor + TimeSpan.FromSeconds(1), $"answered {held.Elapsed} after it was sent");
    }

    [Fact]
    public async Task Held_polls_are_answered_when_the_Consumer_the_retry_or_reconciliation_announces_the_coupon_not_when_the_answer_expires()
    {
        // Answers reused for a minute, polls held for 25 s: only an announcement can end them with the change.
        await using var factory = new ApplyApiFactory(stack, web => web.UseSetting("Status:CacheFor", "00:01:00"));
        using var api = factory.CreateClient();
        var eventId = await CreateKnownEventAsync(quantity: 10, factory);
        // User 8 is admitted and its message is still to be published; user 9's failed event is retried in 5 s.
        var applicationId = await PlantWinnerAsync(eventId, 8);
        await stack.Database.InsertFailedEventsAsync(eventId, [(9L, await PlantWinnerAsync(eventId, 9))], dueIn: TimeSpan.FromSeconds(5));

        // User 10's publish outcome was unknown (a pending mark): accepted, until reconciliation issues it after its grace.
        var pending = await PlantWinnerAsync(eventId, 10);
        await _redis.GetDatabase().HashSetAsync(EventKeys.Pending(eventId), Applicants.Subject(10), pending.ToString("N"));

        // Each status read once (and kept for a minute), then polled with its ETag, held.
        async Task<EntityTagHeaderValue> ReadAsync(long user, string was)
        {
            // Within a second of its creation, an instance may not have verified the event's Redis state yet: until
            // then a winner reads as none (and that answer is not kept).
            using var first = await Eventually.ReturnsAsync(async () => (await SendAsync(eventId, user, client: api)).Response,
                r => Status(r) == was, TimeSpan.FromSeconds(5));
            return first.Headers.ETag!;
        }
        async Task<(HttpResponseMessage Response, string? Status)> HeldAsync(long user, EntityTagHeaderValue etag)
        {
            var (held, _) = await SendAsync(eventId, user, r =>
            {
                r.Headers.IfNoneMatch.Add(etag);
                r.Headers.Add("Prefer", "wait=25");
            }, api);
            return (held, held.StatusCode == HttpStatusCode.OK ? Status(held) : null);
        }
        var consumer = HeldAsync(8, await ReadAsync(8, "accepted"));
        var retryJob = HeldAsync(9, await ReadAsync(9, "retrying"));
        var reconciliation = HeldAsync(10, await ReadAsync(10, "accepted"));

        var application = CouponApplication.Create(applicationId, eventId, Applicants.Subject(8), DateTimeOffset.UtcNow);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = stack.KafkaBootstrapServers }).Build())
        {
            await producer.ProduceAsync(Topics.CouponCreate, new Message<string, byte[]> { Key = application.Key, Value = application.ToUtf8Json() });
        }

        foreach (var (poll, who) in new[] { (consumer, "the Consumer's coupon"), (retryJob, "the retried coupon"), (reconciliation, "the reconciled coupon") })
        {
            var (response, status) = await poll;
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{who}: {(int)response.StatusCode} at the end of the wait");
            Assert.Equal("issued", status);
        }
    }

    private static string? Status(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(response.Content.ReadAsStream());
        return body.RootElement.GetProperty("status").GetString();
    }

    /// <summary>An event, once this ApplyApi has listed it (as every instance does within a second): no read of it is a first.</summary>
    private async Task<string> CreateKnownEventAsync(int quantity, ApplyApiFactory? factory = null)
    {
        var eventId = await stack.CreateEventAsync(quantity);
        var known = (factory ?? _factory).Services.GetRequiredService<KnownEvents>();
        await Eventually.HoldsAsync(() => Task.FromResult(known.Contains(eventId)));
        return eventId;
    }

    private async Task<(string Status, int MySql)> StatusAsync(string eventId, long user)
    {
        var (response, mySql) = await SendAsync(eventId, user);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (Status(response)!, mySql);
    }

    /// <summary>GET .../applications/me as the user, in a trace of its own: the MySQL commands it cost are those in that trace.</summary>
    private async Task<(HttpResponseMessage Response, int MySql)> SendAsync(string eventId, long user, Action<HttpRequestMessage>? configure = null,
        HttpClient? client = null)
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events/{eventId}/applications/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await stack.Applicants.TokenAsync(Applicants.Subject(user)));
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        configure?.Invoke(request);
        var response = await (client ?? _api).SendAsync(request);
        return (response, _mySqlCommands.GetValueOrDefault(traceId));
    }

    /// <summary>A winner in Redis with nothing in MySQL yet, as an admission whose message is on its way.</summary>
    private async Task<Guid> PlantWinnerAsync(string eventId, long user)
    {
        var applicationId = Guid.CreateVersion7();
        await _redis.GetDatabase().HashSetAsync(EventKeys.Winners(eventId), Applicants.Subject(user), applicationId.ToString("N"));
        return applicationId;
    }

    private Task InsertCouponAsync(string eventId, long user, Guid applicationId) => stack.Database.ScalarAsync(
        "INSERT INTO coupons (event_id, user_id, application_id, issued_at) VALUES (@e, @u, @a, UTC_TIMESTAMP(6))",
        ("@e", eventId), ("@u", Applicants.Subject(user)), ("@a", applicationId.ToString()));
}
