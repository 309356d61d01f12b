using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CouponEvent.Tests.Integration;

[Collection("stack")]
public sealed class HardeningTests(StackFixture stack)
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
        for (var user = 1; user <= 10; user++) answers.Add(await StackFixture.ApplyAsync(client, eventId, user));

        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 6, 7);
        Assert.All(limited, a => Assert.True(int.Parse(a.Headers.GetValues("Retry-After").Single()) >= 1));
        var problem = await limited[0].Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:couponevent:rate-limited", problem.GetProperty("type").GetString());
        var summary = await client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}");
        Assert.Equal(answers.Count(a => a.StatusCode == HttpStatusCode.Accepted), summary.GetProperty("admitted").GetInt64());
    }

    [Fact]
    public void In_Production_a_missing_admin_key_refuses_to_start()
    {
        using var factory = new ApplyApiFactory(stack, web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("Admin:ApiKey", "");
        });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains("Admin:ApiKey must be set in Production", error.Message);
    }

    [Fact]
    public async Task Thousands_of_generated_bad_requests_all_get_4xx_and_change_nothing_in_Redis_Kafka_or_MySQL()
    {
        await using var factory = new ApplyApiFactory(stack);
        using var client = factory.CreateClient();
        var eventId = await stack.CreateEventAsync(quantity: 10);
        var offsetsBefore = TopicEndOffsets();
        var random = new Random(20261124);
        var requests = Enumerable.Range(0, 3000).Select(_ => BadRequest(random, eventId)).ToList();

        var statuses = new System.Collections.Concurrent.ConcurrentBag<(int Status, string What)>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (request, ct) =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, request.Path)
            {
                Content = new ByteArrayContent(request.Body) { Headers = { { "Content-Type", request.ContentType } } },
            };
            using var response = await client.SendAsync(message, ct);
            statuses.Add(((int)response.StatusCode, $"{request.Path} {request.ContentType} {Encoding.UTF8.GetString(request.Body.Take(80).ToArray())}"));
        });

        Assert.All(statuses, s => Assert.True(s.Status is >= 400 and < 500, $"{s.Status} for {s.What}"));
        var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        Assert.Equal(0, await redis.GetDatabase().HashLengthAsync($"coupon:{{{eventId}}}:winners"));
        await redis.DisposeAsync();
        Assert.Equal(offsetsBefore, TopicEndOffsets());
        Assert.Equal(0, await stack.Database.CouponCountAsync(eventId));
        Assert.Equal(0, await stack.Database.ScalarAsync("SELECT COUNT(*) FROM failed_events WHERE event_id = @e", ("@e", eventId)));
    }

    private sealed record Request(string Path, string ContentType, byte[] Body);

    /// <summary>One request that is wrong in one way or another: body, content type, size or event id.</summary>
    private static Request BadRequest(Random random, string eventId)
    {
        string[] bodies =
        [
            "{}", "{\"userId\":0}", "{\"userId\":-1}", "{\"userId\":\"7\"}", "{\"userId\":7.0001}", "{\"userId\":1e3}",
            "{\"userId\":99999999999999999999}", "{\"userId\":true}", "{\"userId\":[1]}", "{\"userId\":{\"x\":1}}",
            "{\"userId\":1,\"userId\":2}", "{\"userId\":1,\"admin\":true}", "{\"UserID\":1,\"x\":0}", "[]", "null", "\"\"",
            "{\"userId\":1", "{'userId':1}", "userId=1", "", "\u0000", "{\"userId\":\u00001}",
        ];
        string[] badIds = ["DEFAULT", "dé", "a b", "a%2Fb", "..", "-", new string('e', 65), "x\u200by", "ｄｅｆａｕｌｔ", "a_b", "😀"];
        var valid = $"/api/events/{eventId}/applications";
        switch (random.Next(6))
        {
            case 0:
                return new(valid, "application/json", Encoding.UTF8.GetBytes(bodies[random.Next(bodies.Length)]));
            case 1:
                var noise = new byte[random.Next(1, 200)];
                random.NextBytes(noise);
                return new(valid, "application/json", noise);
            case 2:
                return new(valid, random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded", "{\"userId\":5}"u8.ToArray());
            case 3:
                return new(valid, "application/json", Encoding.UTF8.GetBytes("{\"userId\":5" + new string(' ', random.Next(1100, 50_000)) + "}"));
            case 4:
                return new($"/api/events/{Uri.EscapeDataString(badIds[random.Next(badIds.Length)])}/applications", "application/json", "{\"userId\":5}"u8.ToArray());
            default:
                // Well formed, but for events that do not exist: 404, and nothing recorded anywhere.
                return new($"/api/events/missing-{random.Next(1000)}/applications", "application/json", "{\"userId\":5}"u8.ToArray());
        }
    }

    private long TopicEndOffsets()
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = "offset-probe",
        }).Build();
        return Enumerable.Range(0, 6)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(Topics.CouponCreate, p), TimeSpan.FromSeconds(5)).High.Value);
    }
}
