using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static CouponEvent.Tests.Integration.ApplyApiContractTests;

namespace CouponEvent.Tests.Integration;

/// <summary>
/// Applicants are who their token says: ApplyApi in-process on the stack's servers, tokens from the stack's issuer over
/// HTTP, forgeries made as an attacker would make them.
/// </summary>
[Collection("stack")]
public sealed class ApplicantTokenTests(StackFixture stack) : IAsyncLifetime
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

    public static TheoryData<string> RefusedKinds() => ["none", "garbage", "unsigned", "foreign-key", "wrong-audience", "wrong-issuer", "expired"];

    private string Refused(string kind, string subject)
    {
        var issuer = stack.Identity.BaseAddress!.ToString();
        var scope = IdentityContract.ApplyScope;
        var soon = DateTime.UtcNow.AddMinutes(5);
        return kind switch
        {
            "garbage" => "not-a-jwt",
            "unsigned" => Forgery.Unsigned(issuer, IdentityContract.Audience, scope, subject),
            "foreign-key" => Forgery.SignedWithAKeyOfItsOwn(issuer, IdentityContract.Audience, scope, soon, subject),
            "wrong-audience" => Forgery.SignedWithAKeyOfItsOwn(issuer, "another-api", scope, soon, subject),
            "wrong-issuer" => Forgery.SignedWithAKeyOfItsOwn("https://issuer.example/", IdentityContract.Audience, scope, soon, subject),
            _ => Forgery.SignedWithAKeyOfItsOwn(issuer, IdentityContract.Audience, scope, DateTime.UtcNow.AddMinutes(-10), subject),
        };
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _client.SendAsync(request);
    }

    [Theory]
    [MemberData(nameof(RefusedKinds))]
    public async Task Without_a_valid_token_applying_and_reading_ones_status_are_401_and_nothing_is_recorded(string kind)
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        var token = kind == "none" ? null : Refused(kind, "victim");

        using var apply = await SendAsync(HttpMethod.Post, $"/api/events/{eventId}/applications", token);
        using var status = await SendAsync(HttpMethod.Get, $"/api/events/{eventId}/applications/me", token);

        Assert.StartsWith("Bearer", apply.Headers.WwwAuthenticate.ToString());
        await AssertProblemAsync(apply, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.StartsWith("Bearer", status.Headers.WwwAuthenticate.ToString());
        await AssertProblemAsync(status, HttpStatusCode.Unauthorized, "unauthorized");
        var summary = await _client.GetFromJsonAsync<JsonElement>($"/api/events/{eventId}");
        Assert.Equal(0, summary.GetProperty("admitted").GetInt64());
    }

    [Fact]
    public async Task An_operators_token_is_valid_but_applies_for_no_one_403()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);

        await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/api/events/{eventId}/applications", stack.AdminToken),
            HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, await stack.Database.CouponCountAsync(eventId));
    }

    [Fact]
    public async Task Two_tokens_of_one_subject_are_one_applicant_and_get_one_coupon()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        var first = await TokenClient.RequestApplicantTokenAsync(stack.Identity, "one-person");
        var second = await TokenClient.RequestApplicantTokenAsync(stack.Identity, "one-person");
        Assert.NotEqual(first, second);

        using var a = await SendAsync(HttpMethod.Post, $"/api/events/{eventId}/applications", first);
        using var b = await SendAsync(HttpMethod.Post, $"/api/events/{eventId}/applications", second);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], new[] { a.StatusCode, b.StatusCode });
        Assert.Equal(["one-person"], await CouponSubjectsAsync(eventId, expected: 1));
    }

    [Fact]
    public async Task A_thousand_applications_from_one_token_give_one_coupon()
    {
        await using var limited = new ApplyApiFactory(stack, web => web.UseSetting("RateLimit:SubjectPermitsPerSecond", "2"));
        using var client = limited.CreateClient();
        var eventId = await stack.CreateEventAsync(quantity: 100);
        var token = await stack.Applicants.TokenAsync("one-script");

        var answers = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{eventId}/applications");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request, ct);
            answers.Add(response.StatusCode);
        });

        Assert.Equal(1, answers.Count(a => a == HttpStatusCode.Accepted));
        Assert.All(answers, a => Assert.Contains(a, new[] { HttpStatusCode.Accepted, HttpStatusCode.Conflict, HttpStatusCode.TooManyRequests }));
        Assert.Equal(["one-script"], await CouponSubjectsAsync(eventId, expected: 1));
    }

    [Fact]
    public async Task An_applicant_over_its_own_rate_gets_429_from_any_address_and_others_go_on()
    {
        await using var limited = new ApplyApiFactory(stack, web =>
        {
            web.UseSetting("RateLimit:SubjectPermitsPerSecond", "1");
            web.UseSetting("RateLimit:SubjectBurst", "3");
        });
        using var client = limited.CreateClient();
        var eventId = await stack.CreateEventAsync(quantity: 100);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++) answers.Add(await stack.Applicants.ApplyAsync(client, eventId, "eager"));
        using var other = await stack.Applicants.ApplyAsync(client, eventId, "patient");

        Assert.Equal(HttpStatusCode.Accepted, answers[0].StatusCode);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 6, 7);
        Assert.All(refused, a => Assert.True(int.Parse(a.Headers.GetValues("Retry-After").Single()) >= 1));
        await AssertProblemAsync(refused[0], HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        answers.ForEach(a => a.Dispose());
    }

    [Fact]
    public async Task Applicants_are_opaque_case_sensitive_subjects_up_to_128_characters()
    {
        var eventId = await stack.CreateEventAsync(quantity: 10);
        string[] subjects = ["Ann", "ann", Guid.NewGuid().ToString(), "auth0|5f7c8ec7c33c6c004bbafe82", new string('s', IdentityContract.MaxSubjectLength)];

        foreach (var subject in subjects)
        {
            using var response = await stack.Applicants.ApplyAsync(_client, eventId, subject);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{subject}: {(int)response.StatusCode}");
        }

        Assert.Equal(subjects.Order(StringComparer.Ordinal), await CouponSubjectsAsync(eventId, expected: subjects.Length));
    }

    [Fact]
    public async Task Me_is_the_callers_own_application_and_anyone_elses_is_for_operators_only()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        (await stack.Applicants.ApplyAsync(_client, eventId, "winner-a")).Dispose();
        await CouponSubjectsAsync(eventId, expected: 1);

        using var mine = await stack.Applicants.StatusAsync(_client, eventId, "winner-a");
        using var theirs = await stack.Applicants.StatusAsync(_client, eventId, "bystander-b");
        var a = await mine.Content.ReadFromJsonAsync<JsonElement>();
        var b = await theirs.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(("winner-a", "issued"), (a.GetProperty("userId").GetString(), a.GetProperty("status").GetString()));
        Assert.Equal(("bystander-b", "none"), (b.GetProperty("userId").GetString(), b.GetProperty("status").GetString()));
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/events/{eventId}/applications/winner-a",
            await stack.Applicants.TokenAsync("bystander-b")), HttpStatusCode.Forbidden, "forbidden");
        using var asOperator = await SendAsync(HttpMethod.Get, $"/api/events/{eventId}/applications/winner-a", stack.AdminToken);
        Assert.Equal("issued", (await asOperator.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task On_a_sold_out_event_a_forged_token_gets_everyones_410_wins_nothing_and_learns_nothing_of_the_winners()
    {
        var eventId = await stack.CreateEventAsync(quantity: 1);
        (await stack.Applicants.ApplyAsync(_client, eventId, "the-winner")).Dispose();
        (await stack.Applicants.ApplyAsync(_client, eventId, "too-late")).Dispose();
        var remembered = _factory.Services.GetRequiredService<RememberedAnswers>();
        await Eventually.HoldsAsync(() => Task.FromResult(remembered.AnswersSoldOut(eventId)), TimeSpan.FromSeconds(10));

        // Answered before validation, and alike whether or not the claimed subject won.
        foreach (var subject in new[] { "the-winner", "too-late", "never-applied" })
        {
            foreach (var kind in new[] { "unsigned", "foreign-key", "expired" })
            {
                await AssertProblemAsync(await SendAsync(HttpMethod.Post, $"/api/events/{eventId}/applications", Refused(kind, subject)),
                    HttpStatusCode.Gone, "sold-out");
            }
        }
        // The winner's 409 takes a valid token; reading anything takes one too.
        await AssertProblemAsync(await stack.Applicants.ApplyAsync(_client, eventId, "the-winner"), HttpStatusCode.Conflict, "already-applied");
        await AssertProblemAsync(await SendAsync(HttpMethod.Get, $"/api/events/{eventId}/applications/me", Refused("foreign-key", "the-winner")),
            HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(["the-winner"], await CouponSubjectsAsync(eventId, expected: 1));
    }

    private async Task<List<string>> CouponSubjectsAsync(string eventId, int expected)
    {
        await Eventually.HoldsAsync(async () => await stack.Database.CouponCountAsync(eventId) >= expected, TimeSpan.FromSeconds(30));
        return await stack.Database.CouponSubjectsAsync(eventId);
    }
}
