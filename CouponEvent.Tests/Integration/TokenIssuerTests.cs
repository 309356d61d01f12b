using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CouponEvent.Tests.Integration;

/// <summary>ApplyApi as a resource server of any OpenID Connect issuer, configured the standard way, and without one.</summary>
[Collection("stack")]
public sealed class TokenIssuerTests(StackFixture stack)
{
    [Fact]
    public async Task An_issuer_that_is_not_the_projects_own_is_trusted_through_Authentication_Schemes_Bearer_alone()
    {
        // Another provider: its discovery document and its key set over HTTP, served by this test.
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "other-provider-key" };
        await using var provider = WebApplication.CreateSlimBuilder().Build();
        provider.Urls.Add("http://127.0.0.1:0");
        provider.MapGet("/.well-known/openid-configuration", (HttpContext http) => Results.Json(new
        {
            issuer = Issuer(http),
            jwks_uri = $"{Issuer(http)}jwks",
        }));
        provider.MapGet("/jwks", () => Results.Text(JsonSerializer.Serialize(new { keys = new[] { JsonWebKeyConverter.ConvertFromRSASecurityKey(
            new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = key.KeyId }) } }), "application/json"));
        await provider.StartAsync();
        var issuer = provider.Urls.Single().TrimEnd('/') + "/";

        await using var api = new ApplyApiFactory(stack, web => web.UseSetting("Authentication:Schemes:Bearer:Authority", issuer));
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = IdentityContract.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "operator-at-another-provider", ["scope"] = IdentityContract.AdminScope },
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        }));

        using var response = await client.GetAsync("/api/admin/reconciliation");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task While_the_issuer_cannot_be_reached_a_token_gets_503_and_the_health_says_degraded()
    {
        await using var api = new ApplyApiFactory(stack, web => web.UseSetting("Authentication:Schemes:Bearer:Authority", "http://127.0.0.1:1/"));
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminToken);

        var eventId = await stack.CreateEventAsync(quantity: 5);

        using var refused = await client.GetAsync("/api/admin/failed-events");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        using var application = await stack.Applicants.ApplyAsync(client, eventId, "issuer-unreachable");
        var applicationProblem = await application.Content.ReadFromJsonAsync<JsonElement>();
        using var health = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(ProblemTypes.IdentityUnavailable.Uri, problem.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, application.StatusCode);
        Assert.Equal(ProblemTypes.IdentityUnavailable.Uri, applicationProblem.GetProperty("type").GetString());
        Assert.Equal(0, await stack.Database.CouponCountAsync(eventId));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task With_the_issuer_stopped_mid_race_admissions_go_on_on_its_cached_keys_and_the_invariant_holds()
    {
        // A CouponEvent.Identity of this test's own, over HTTP, so that stopping it leaves the stack's alone.
        var identity = new WebApplicationFactory<CouponEvent.Identity.IssuerOptions>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseSetting("Issuer:AdminClientSecret", StackFixture.AdminClientSecret);
        });
        identity.UseKestrel(0);
        var issuerClient = identity.CreateClient();
        await using var api = new ApplyApiFactory(stack, web => web.UseSetting("Authentication:Schemes:Bearer:Authority", issuerClient.BaseAddress!.ToString()));
        using var client = api.CreateClient();
        var applicants = new Applicants(issuerClient);
        var eventId = await stack.CreateEventAsync(quantity: 300);
        var users = Enumerable.Range(1, 600).Select(i => (long)i).ToList();
        await applicants.PrepareAsync(users);

        var before = await applicants.RaceAsync(client, eventId, users[..100]);
        await identity.DisposeAsync();
        using (var probe = new HttpClient { BaseAddress = issuerClient.BaseAddress })
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => TokenClient.RequestApplicantTokenAsync(probe, "anyone"));
        var after = await applicants.RaceAsync(client, eventId, users[100..]);

        Assert.Equal(100, before.Count(HttpStatusCode.Accepted));
        Assert.Equal(200, after.Count(HttpStatusCode.Accepted));
        Assert.Equal(300, after.Count(HttpStatusCode.Gone));
        var forged = Forgery.SignedWithAKeyOfItsOwn(issuerClient.BaseAddress!.ToString(), IdentityContract.Audience, IdentityContract.ApplyScope,
            DateTime.UtcNow.AddMinutes(5), "forger-while-issuer-away");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events/{eventId}/applications/me") { Headers = { Authorization = new("Bearer", forged) } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(before.Accepted.Union(after.Accepted).ToHashSet(), await stack.Database.WaitForCouponsAsync(eventId, expected: 300));
        issuerClient.Dispose();
    }

    private static string Issuer(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}/";
}
