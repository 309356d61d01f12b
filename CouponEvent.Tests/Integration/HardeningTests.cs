using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.Tests.Integration;

[Collection("stack")]
public sealed partial class HardeningTests(StackFixture stack)
{
    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_Retry_After_and_nothing_is_recorded_for_it()
    {
        await using var factory = new ApplyApiFactory(stack, web =>
        {
            web.UseSetting("RateLimit:PermitsPerSecond", "1");
            web.UseSetting("RateLimit:Burst", "3");
        });
        using var client = factory.CreateClient();
        var eventId = await stack.CreateEventAsync(quantity: 100);

        var answers = new List<HttpResponseMessage>();
        for (var user = 1; user <= 10; user++) answers.Add(await stack.Applicants.ApplyAsync(client, eventId, user));

        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 6, 7);
        Assert.All(limited, a => Assert.True(int.Parse(a.Headers.GetValues("Retry-After").Single()) >= 1));
        var problem = await limited[0].Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.RateLimited.Uri, problem.GetProperty("type").GetString());
        var summary = await client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}");
        Assert.Equal(answers.Count(a => a.StatusCode == HttpStatusCode.Accepted), summary.GetProperty("admitted").GetInt64());
    }

    [Fact]
    public void Without_a_token_issuer_configured_ApplyApi_refuses_to_start()
    {
        using var factory = new ApplyApiFactory(stack, web => web.UseSetting("Authentication:Schemes:Bearer:Authority", ""));

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains("Authentication:Schemes:Bearer:Authority must name the token issuer", error.Message);
    }

    /// <summary>
    /// Thousands of requests from a fixed seed, each wrong in one way, to every endpoint of ApplyApi (admin ones too, with
    /// and without the key), on Kestrel in each environment: every one gets a 4xx problem of our own type that names
    /// what is wrong, and Redis, Kafka and MySQL are as they were.
    /// </summary>
    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task Generated_bad_requests_to_every_endpoint_get_a_4xx_problem_naming_the_field_and_change_nothing(string environment)
    {
        await using var factory = new ApplyApiFactory(stack, web => web.UseEnvironment(environment));
        factory.UseKestrel(0);
        using var client = factory.CreateClient();
        var eventId = await stack.CreateEventAsync(quantity: 10);
        var before = await StateAsync(eventId);
        var random = new Random(20261125);
        var applicantToken = await stack.Applicants.TokenAsync("hardening-applicant");
        var requests = Enumerable.Range(0, 3000).Select(_ => BadRequests.Any(random, eventId, stack.AdminToken, applicantToken)).ToList();

        var answers = new System.Collections.Concurrent.ConcurrentBag<(BadRequest Request, int Status, string Body)>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (request, ct) =>
        {
            using var message = request.ToMessage();
            using var response = await client.SendAsync(message, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{(int)response.StatusCode} {body} for {request}");
            answers.Add((request, (int)response.StatusCode, body));
        });

        Assert.All(answers, a =>
        {
            Assert.True(a.Status is >= 400 and < 500 && (a.Request.Status is null || a.Request.Status == a.Status), $"{a.Status} for {a.Request}: {a.Body}");
            var problem = JsonSerializer.Deserialize<JsonElement>(a.Body);
            Assert.StartsWith(ProblemDetailsDefaults.TypePrefix, problem.GetProperty("type").GetString());
            Assert.Equal(a.Status, problem.GetProperty("status").GetInt32());
            if (a.Request.Field is { } field) Assert.True(Names(problem, field), $"{field} not named for {a.Request}: {a.Body}");
            AssertActionable(a.Status, problem, a.Body, a.Request.ToString());
        });
        // Every endpoint and every kind of fault was drawn.
        Assert.Equal(BadRequests.Kinds.Order(), answers.Select(a => a.Request.Kind).Distinct().Order());
        Assert.Equal(before, await StateAsync(eventId));
    }

    [Fact]
    public async Task The_race_views_and_the_mock_brokers_endpoints_answer_bad_requests_with_a_4xx_problem_too()
    {
        using var raceView = stack.App.CreateHttpClient("raceview");
        using var kafkaMock = stack.App.CreateHttpClient("kafka-mock", "http");
        (HttpClient Client, HttpMethod Method, string Path, int Status, string? Field)[] requests =
        [
            (raceView, HttpMethod.Get, "/api/races/Bad%20Id/timeline", 400, "eventId"),
            (raceView, HttpMethod.Post, "/api/races", 405, null),
            (raceView, HttpMethod.Get, "/api/nowhere", 404, null),
            (kafkaMock, HttpMethod.Post, "/brokers/abc/down", 400, "brokerId"),
            (kafkaMock, HttpMethod.Post, "/brokers/0/down", 404, "brokerId"),
            (kafkaMock, HttpMethod.Post, "/brokers/99/up", 404, "brokerId"),
            (kafkaMock, HttpMethod.Get, "/brokers/1/down", 405, null),
            (kafkaMock, HttpMethod.Post, "/topics/coupon_create/partitions/0/delete-records", 400, "beforeOffset"),
            (kafkaMock, HttpMethod.Post, "/topics/coupon_create/partitions/0/delete-records?beforeOffset=abc", 400, "beforeOffset"),
            (kafkaMock, HttpMethod.Post, "/topics/coupon_create/partitions/0/delete-records?beforeOffset=-2", 400, "beforeOffset"),
            (kafkaMock, HttpMethod.Post, $"/topics/coupon_create/partitions/0/delete-records?beforeOffset={long.MaxValue}", 400, "beforeOffset"),
            (kafkaMock, HttpMethod.Post, "/topics/coupon_create/partitions/99/delete-records?beforeOffset=0", 404, "partition"),
            (kafkaMock, HttpMethod.Post, "/topics/nowhere/partitions/0/delete-records?beforeOffset=0", 404, "partition"),
        ];

        foreach (var (client, method, path, status, field) in requests)
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonSerializer.Deserialize<JsonElement>(body);
            Assert.StartsWith(ProblemDetailsDefaults.TypePrefix, problem.GetProperty("type").GetString());
            if (field is not null) Assert.True(Names(problem, field), $"{field} not named for {method} {path}: {body}");
            AssertActionable(status, problem, body, $"{method} {path}");
        }
    }

    /// <summary>
    /// What a client can act on: a 400 names its field in <c>errors</c>, and no answer shows .NET's internals (type
    /// names, the JSON reader's positions, exception or stack words).
    /// </summary>
    internal static void AssertActionable(int status, JsonElement problem, string body, string request)
    {
        if (status == 400)
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), $"no errors member for {request}: {body}");
        Assert.False(Internals().IsMatch(body), $".NET internals in the answer to {request}: {body}");
    }

    [GeneratedRegex(@"CouponEvent\.|System\.|Microsoft\.|LineNumber|BytePosition|Path: \$|Exception|\bat [A-Z]\w+\.|\w+<\w+>|Failed to bind|Int32|Int64")]
    private static partial Regex Internals();

    private static bool Names(JsonElement problem, string field) =>
        problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _)
        || Regex.IsMatch(problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "", $@"(?<![\w-]){Regex.Escape(field)}(?![\w])");

    /// <summary>What a bad request could have changed: the event's winners, the topic, coupons, events and failed events.</summary>
    private async Task<string> StateAsync(string eventId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        var winners = await redis.GetDatabase().HashLengthAsync(EventKeys.Winners(eventId));
        var events = await stack.Database.ScalarAsync("SELECT COUNT(*) FROM events");
        var coupons = await stack.Database.CouponCountAsync(eventId);
        var failed = await stack.Database.ScalarAsync("SELECT COUNT(*) FROM failed_events");
        // A redrive is the only way to a pending row with no attempts.
        var redriven = await stack.Database.ScalarAsync("SELECT COUNT(*) FROM failed_events WHERE status = @pending AND attempts = 0",
            ("@pending", (int)FailedEventStatus.Pending));
        return $"winners {winners}, offsets {TopicEndOffsets()}, events {events}, coupons {coupons}, failed events {failed}, redriven {redriven}";
    }

    private long TopicEndOffsets()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = "offset-probe",
        }).Build();
        return Enumerable.Range(0, Topics.CouponCreatePartitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topics.CouponCreate, p), TimeSpan.FromSeconds(5)).High.Value);
    }
}
