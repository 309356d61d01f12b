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

        using var refused = await client.GetAsync("/api/admin/failed-events");
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        using var health = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(ProblemTypes.IdentityUnavailable.Uri, problem.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
    }

    private static string Issuer(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}/";
}
