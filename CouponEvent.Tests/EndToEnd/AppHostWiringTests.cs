using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>The services get the connection strings Aspire's integrations give, and report healthy.</summary>
[Collection("stack")]
public sealed class AppHostWiringTests(StackFixture stack)
{
    [Fact]
    public void Connection_strings_use_Aspires_names_and_formats()
    {
        Assert.Matches(@"^127\.0\.0\.1:\d+$", stack.RedisConnectionString);
        Assert.Matches(@"^127\.0\.0\.1:\d+$", stack.KafkaBootstrapServers);
        Assert.Matches(@"^Server=127\.0\.0\.1;Port=\d+;User ID=root;Password=[0-9a-f]{32};Database=coupondb$", stack.MySqlConnectionString);
    }

    [Fact]
    public void Each_service_references_only_what_it_uses()
    {
        string[] References(string service) => stack.Resources.Get<ProjectResource>(service).Annotations
            .OfType<ResourceRelationshipAnnotation>().Where(r => r.Type == "Reference" && r.Resource is IResourceWithConnectionString).Select(r => r.Resource.Name).Order().ToArray();

        Assert.Equal(["coupondb", "kafka", "redis"], References("applyapi"));
        Assert.Equal(["coupondb", "kafka", "redis"], References("consumer"));
        Assert.Equal(["coupondb", "kafka", "redis"], References("retryjob"));
    }

    [Fact]
    public async Task Every_service_answers_alive_and_its_health_endpoint_succeeds()
    {
        foreach (var name in new[] { "applyapi", "consumer", "retryjob", "raceview" })
        {
            using var client = stack.App.CreateHttpClient(name);
            Assert.Equal("Healthy", await client.GetStringAsync("/alive"));
            // Other tests break servers on purpose; a service reports healthy again once they are back.
            await Eventually.HoldsAsync(async () => (await client.GetAsync("/health")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public async Task The_address_the_dashboard_links_for_each_service_answers_with_a_page_naming_it()
    {
        foreach (var name in new[] { "applyapi", "consumer", "retryjob", "raceview", "identity", "kafka-mock" })
        {
            using var client = stack.App.CreateHttpClient(name, "http");
            using var response = await client.GetAsync("/");
            Assert.True(response.IsSuccessStatusCode, $"{name}: {(int)response.StatusCode}");
            var page = await response.Content.ReadAsStringAsync();
            // ApplyApi's is its API reference (Development), the race view's the view; the others say what they are.
            if (name is not ("applyapi" or "raceview")) Assert.Contains("\"endpoints\"", page);
        }
    }
}
