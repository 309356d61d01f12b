using System.Net;
using System.Net.Http.Headers;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using static CouponEvent.Tests.Integration.ApplyApiContractTests;

namespace CouponEvent.Tests.Integration;

/// <summary>The race view outside Development: its data is for operators. In Development the dashboard's link opens it (RaceViewTests).</summary>
[Collection("stack")]
public sealed class RaceViewAccessTests(StackFixture stack)
{
    [Fact]
    public async Task In_production_the_race_data_needs_an_operators_token()
    {
        await using var raceView = new WebApplicationFactory<CouponEvent.RaceView.RaceBoard>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("ConnectionStrings:redis", stack.RedisConnectionString);
            web.UseSetting("ConnectionStrings:coupondb", stack.MySqlConnectionString);
            web.UseSetting("Authentication:Schemes:Bearer:Authority", stack.Identity.BaseAddress!.ToString());
            web.UseSetting("Authentication:Schemes:Bearer:RequireHttpsMetadata", "false");
        });
        using var client = raceView.CreateClient();

        async Task<HttpResponseMessage> GetAsync(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/races");
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await client.SendAsync(request);
        }

        await AssertProblemAsync(await GetAsync(null), HttpStatusCode.Unauthorized, "unauthorized");
        await AssertProblemAsync(await GetAsync(await stack.Applicants.TokenAsync("curious-applicant")), HttpStatusCode.Forbidden, "forbidden");
        using var operatorView = await GetAsync(stack.AdminToken);
        Assert.Equal(HttpStatusCode.OK, operatorView.StatusCode);
    }
}
