using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CouponEvent.ApplyApi.Apis;
using CouponEvent.Data;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace CouponEvent.Tests.Integration;

/// <summary>
/// The HTTP contract, answer by answer: ApplyApi in-process (WebApplicationFactory) on the stack's real Redis,
/// Kafka and MySQL, with the stack's consumer writing the rows.
/// </summary>
[Collection("stack")]
public sealed class ApplyApiContractTests(StackFixture stack) : IAsyncLifetime
{
    private ApplyApiFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new ApplyApiFactory(stack);
        _client = _factory.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task An_admitted_application_is_202_with_its_position_and_a_status_url_that_ends_issued()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);

        using var response = await stack.Applicants.ApplyAsync(_client, eventId, 7);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/events/{eventId}/applications/me", response.Headers.Location?.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(eventId, body.GetProperty("eventId").GetString());
        Assert.Equal("7", body.GetProperty("userId").GetString());
        Assert.Equal("accepted", body.GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("position").GetInt64());

        await stack.Database.WaitForCouponsAsync(eventId, expected: 1);
        using var mine = await stack.Applicants.StatusAsync(_client, eventId, "7");
        Assert.Equal("issued", (await mine.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_second_application_of_the_same_user_is_409_and_gives_no_second_coupon()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        (await stack.Applicants.ApplyAsync(_client, eventId, 1)).Dispose();

        using var again = await stack.Applicants.ApplyAsync(_client, eventId, 1);

        await AssertProblemAsync(again, HttpStatusCode.Conflict, "already-applied");
        Assert.Equal([1L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
    }

    [Fact]
    public async Task Admission_survives_Redis_losing_its_functions_and_still_gives_one_coupon_per_user()
    {
        // FUNCTION FLUSH stands for a Redis that lost its functions and kept its data (a restore of data alone).
        var eventId = await stack.CreateEventAsync(quantity: 5);
        (await stack.Applicants.ApplyAsync(_client, eventId, 1)).Dispose();
        await using (var redis = await ConnectionMultiplexer.ConnectAsync($"{stack.RedisConnectionString},allowAdmin=true"))
            await redis.GetDatabase().ExecuteAsync("FUNCTION", "FLUSH");

        using var second = await stack.Applicants.ApplyAsync(_client, eventId, 2);
        using var again = await stack.Applicants.ApplyAsync(_client, eventId, 1);

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(2, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("position").GetInt64());
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "already-applied");
        Assert.Equal([1L, 2L], (await stack.Database.WaitForCouponsAsync(eventId, expected: 2)).Order());
    }

    [Fact]
    public async Task An_application_after_the_last_coupon_is_410_and_the_user_is_not_a_winner()
    {
        var eventId = await stack.CreateEventAsync(quantity: 1);
        (await stack.Applicants.ApplyAsync(_client, eventId, 1)).Dispose();

        using var late = await stack.Applicants.ApplyAsync(_client, eventId, 2);

        await AssertProblemAsync(late, HttpStatusCode.Gone, "sold-out");
        Assert.Equal("none", await StatusAsync(eventId, 2));
    }

    [Fact]
    public async Task The_answers_serialized_once_are_the_bytes_ASP_NET_Cores_problem_writer_writes()
    {
        // Written through the app's own services, in the same request activity: only the serialization differs.
        using var activity = new Activity("POST /api/events/{eventId}/applications").Start();
        foreach (var body in new[] { Problems.AlreadyApplied, Problems.SoldOut("e-1"), Problems.SoldOut("quote'&<tag>") })
        {
            var (frameworkStatus, frameworkType, framework) = await WriteAsync(context => TypedResults.Problem(body.Problem).ExecuteAsync(context));
            var (status, type, ours) = await WriteAsync(body.WriteAsync);

            Assert.Equal(frameworkStatus, status);
            Assert.Equal(frameworkType, type);
            Assert.Equal(framework, ours);
            Assert.Contains($"\"traceId\":\"{activity.Id}\"", ours);
        }
    }

    private async Task<(int Status, string? ContentType, string Body)> WriteAsync(Func<HttpContext, Task> write)
    {
        var context = new DefaultHttpContext { RequestServices = _factory.Services };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await write(context);
        await context.Response.BodyWriter.FlushAsync();
        return (context.Response.StatusCode, context.Response.ContentType, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task An_unknown_event_is_404()
    {
        using var response = await stack.Applicants.ApplyAsync(_client, "no-such-event", 1);
        await AssertProblemAsync(response, HttpStatusCode.NotFound, "event-not-found");
    }

    [Fact]
    public async Task Before_opening_and_after_closing_the_answer_is_403_with_its_own_problem_type()
    {
        var notYet = await stack.CreateEventAsync(quantity: 5, opensAt: DateTimeOffset.UtcNow.AddHours(1));
        var over = await stack.CreateEventAsync(quantity: 5, opensAt: DateTimeOffset.UtcNow.AddHours(-2), closesAt: DateTimeOffset.UtcNow.AddHours(-1));

        await AssertProblemAsync(await stack.Applicants.ApplyAsync(_client, notYet, 1), HttpStatusCode.Forbidden, "event-not-open");
        await AssertProblemAsync(await stack.Applicants.ApplyAsync(_client, over, 1), HttpStatusCode.Forbidden, "event-closed");
        Assert.Equal("none", await StatusAsync(notYet, 1));
    }

    [Theory]
    [InlineData("""{"userId": 12}""", "userId", true)]
    [InlineData("""{"userId": "someone-else"}""", "userId", true)]
    // Member names match exactly, as in every body of the API: these are unknown members, named as sent.
    [InlineData("""{"USERID": 13}""", "USERID", false)]
    [InlineData("""{"userid": 7}""", "userid", false)]
    public async Task A_body_that_names_a_user_is_400_naming_the_member_exactly_and_records_nothing(string body, string member, bool saysTheTokenNamesTheApplicant)
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);

        using var response = await SendAsApplicantAsync(eventId, "body-names-someone", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        Assert.True(problem.GetProperty("errors").TryGetProperty(member, out _), problem.ToString());
        Assert.Equal(saysTheTokenNamesTheApplicant, problem.GetProperty("detail").GetString()!.Contains("subject of the access token"));
        var summary = await _client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}");
        Assert.Equal(0, summary.GetProperty("admitted").GetInt64());
    }

    [Theory]
    [InlineData("""{"extra": true}""")]
    [InlineData("""[1]""")]
    [InlineData("""not json""")]
    [InlineData("""{}{}""")]
    [InlineData("""{""")]
    public async Task A_malformed_body_is_400_problem_details(string body)
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);

        using var response = await SendAsApplicantAsync(eventId, "malformed-body", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-request");
        var summary = await _client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}");
        Assert.Equal(0, summary.GetProperty("admitted").GetInt64());
    }

    [Fact]
    public async Task An_empty_json_object_is_an_application_as_no_body_is()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);

        using var response = await SendAsApplicantAsync(eventId, "empty-object", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsApplicantAsync(string eventId, string subject, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{eventId}/applications") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await stack.Applicants.TokenAsync(subject));
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_a_wrong_content_type_415()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        var padded = "{" + new string(' ', 4096) + "}";

        await AssertProblemAsync(await SendAsApplicantAsync(eventId, "oversized",
            new StringContent(padded, Encoding.UTF8, "application/json")), HttpStatusCode.RequestEntityTooLarge, "request-too-large");
        await AssertProblemAsync(await SendAsApplicantAsync(eventId, "not-json",
            new StringContent("{}", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
    }

    [Theory]
    [InlineData("UPPER")]
    [InlineData("-leading-dash")]
    [InlineData("ünïcode")]
    [InlineData("a_b")]
    [InlineData("x0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task An_event_id_outside_the_pattern_is_400(string eventId)
    {
        using var response = await stack.Applicants.ApplyAsync(_client, Uri.EscapeDataString(eventId), 1);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid-event-id");
    }

    [Fact]
    public async Task The_status_is_none_accepted_or_retrying_as_the_application_stands()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        var redis = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);
        // Admitted but not yet consumed: what Redis holds and MySQL does not.
        await redis.GetDatabase().HashSetAsync(EventKeys.Winners(eventId), 3, Guid.NewGuid().ToString("N"));
        // Admitted, then its row refused for a while: a failed event, due again tomorrow.
        var failed = Guid.CreateVersion7();
        await redis.GetDatabase().HashSetAsync(EventKeys.Winners(eventId), 4, failed.ToString("N"));
        await stack.Database.InsertFailedEventsAsync(eventId, [(4L, failed)], dueIn: TimeSpan.FromDays(1));

        Assert.Equal("none", await StatusAsync(eventId, 2));
        Assert.Equal("accepted", await StatusAsync(eventId, 3));
        Assert.Equal("retrying", await StatusAsync(eventId, 4));
        await redis.DisposeAsync();
    }

    [Fact]
    public async Task The_event_summary_counts_admitted_and_issued()
    {
        var eventId = await stack.CreateEventAsync(quantity: 3);
        foreach (var user in new long[] { 1, 2 }) (await stack.Applicants.ApplyAsync(_client, eventId, user)).Dispose();
        await stack.Database.WaitForCouponsAsync(eventId, expected: 2);

        // Answered from memory: MySQL's issued count as this instance last listed the live events (every second).
        var summary = await Eventually.ReturnsAsync(() => _client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}"),
            s => s.GetProperty("issued").GetInt64() == 2, TimeSpan.FromSeconds(5));

        Assert.Equal(3, summary.GetProperty("quantity").GetInt32());
        Assert.Equal(2, summary.GetProperty("admitted").GetInt64());
        Assert.Equal(2, summary.GetProperty("issued").GetInt64());
        Assert.Equal(1, summary.GetProperty("remaining").GetInt64());
        Assert.False(summary.GetProperty("soldOut").GetBoolean());
        await AssertProblemAsync(await _client.GetAsync("/api/events/no-such-event"), HttpStatusCode.NotFound, "event-not-found");
    }

    [Fact]
    public async Task Creating_an_event_needs_an_operators_token_valid_fields_and_a_free_id()
    {
        var body = new { id = $"c-{Guid.NewGuid():N}"[..20], name = "Created", quantity = 10 };

        await AssertProblemAsync(await _client.PostAsJsonAsync("/api/events", body), HttpStatusCode.Unauthorized, "unauthorized");
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminToken);

        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/events", body)).StatusCode);
        await AssertProblemAsync(await _client.PostAsJsonAsync("/api/events", body), HttpStatusCode.Conflict, "event-exists");
        await AssertProblemAsync(await _client.PostAsJsonAsync("/api/events", body with { id = "Bad Id", quantity = 0 }),
            HttpStatusCode.BadRequest, "invalid-request");
    }

    /// <summary>Tokens that must not pass, each refused with 401, a problem and <c>WWW-Authenticate: Bearer</c>.</summary>
    public static TheoryData<string> ForgedKinds() => ["garbage", "unsigned", "foreign-key", "wrong-audience", "expired"];

    [Theory]
    [MemberData(nameof(ForgedKinds))]
    public async Task An_admin_request_with_a_token_the_issuer_did_not_sign_for_this_API_now_is_refused_401(string kind)
    {
        var issuer = stack.Identity.BaseAddress!.ToString();
        var token = kind switch
        {
            "garbage" => "not-a-jwt",
            "unsigned" => Forgery.Unsigned(issuer, IdentityContract.Audience, IdentityContract.AdminScope),
            "foreign-key" => Forgery.SignedWithAKeyOfItsOwn(issuer, IdentityContract.Audience, IdentityContract.AdminScope, DateTime.UtcNow.AddMinutes(5)),
            "wrong-audience" => Forgery.SignedWithAKeyOfItsOwn(issuer, "another-api", IdentityContract.AdminScope, DateTime.UtcNow.AddMinutes(5)),
            _ => Forgery.SignedWithAKeyOfItsOwn(issuer, IdentityContract.Audience, IdentityContract.AdminScope, DateTime.UtcNow.AddMinutes(-10)),
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/failed-events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await _client.SendAsync(request);

        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task An_applicants_token_is_valid_but_grants_no_admin_endpoint_403()
    {
        var applicant = await TokenClient.RequestApplicantTokenAsync(stack.Identity, "applicant-not-operator");
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", applicant);

        await AssertProblemAsync(await _client.GetAsync("/api/admin/failed-events"), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(await _client.PostAsJsonAsync("/api/events", new { id = "not-an-operator", name = "n", quantity = 1 }),
            HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task With_Kafka_down_the_answer_is_503_outcome_unknown_and_the_applicant_keeps_the_slot_and_gets_the_coupon()
    {
        var eventId = await stack.CreateEventAsync(quantity: 1);
        await stack.Resources.KafkaBrokerDownAsync();
        HttpResponseMessage duringOutage;
        try
        {
            duringOutage = await stack.Applicants.ApplyAsync(_client, eventId, 1);
        }
        finally
        {
            await stack.Resources.KafkaBrokerUpAsync();
        }

        // A timed-out publish may yet be written (FaultInjectionTests' KafkaHung): the slot is kept, never freed.
        await AssertProblemAsync(duringOutage, HttpStatusCode.ServiceUnavailable, "outcome-unknown");
        Assert.Equal("accepted", await StatusAsync(eventId, 1));
        await AssertProblemAsync(await stack.Applicants.ApplyAsync(_client, eventId, 1), HttpStatusCode.Conflict, "already-applied");
        await AssertProblemAsync(await stack.Applicants.ApplyAsync(_client, eventId, 2), HttpStatusCode.Gone, "sold-out");
        // Nothing reached Kafka: past the grace, reconciliation issues the coupon from Redis's record.
        Assert.Equal([1L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
        Assert.Equal("issued", await StatusAsync(eventId, 1));
        await AssertProblemAsync(await stack.Applicants.ApplyAsync(_client, eventId, 2), HttpStatusCode.Gone, "sold-out");
    }

    [Fact]
    public async Task With_Redis_down_the_answer_is_503_and_the_user_may_apply_again_later()
    {
        var eventId = await stack.CreateEventAsync(quantity: 1);
        await stack.Resources.StopAsync("redis");
        HttpResponseMessage duringOutage;
        try
        {
            duringOutage = await stack.Applicants.ApplyAsync(_client, eventId, 1);
        }
        finally
        {
            await stack.Resources.StartAsync("redis");
        }

        await AssertProblemAsync(duringOutage, HttpStatusCode.ServiceUnavailable, "service-unavailable");
        using var retry = await RetryUntilAcceptedAsync(eventId, 1);
        Assert.Equal([1L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
    }

    /// <summary>After an outage, clients reconnect in the background: retry as a user would.</summary>
    private async Task<HttpResponseMessage> RetryUntilAcceptedAsync(string eventId, long userId)
    {
        var response = await Eventually.ReturnsAsync(() => stack.Applicants.ApplyAsync(_client, eventId, userId),
            r => r.StatusCode != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response;
    }

    /// <summary>Any user's status, as an operator reads it.</summary>
    private async Task<string?> StatusAsync(string eventId, long userId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events/{eventId}/applications/{userId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminToken);
        using var response = await _client.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
    }

    /// <param name="problemType">Our problem type name; null for the framework's own (RFC 9110) types.</param>
    internal static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string problemType)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonSerializer.Deserialize<JsonElement>(text);
            Assert.Equal(ProblemDetailsDefaults.TypePrefix + problemType, problem.GetProperty("type").GetString());
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            return problem;
        }
    }
}
