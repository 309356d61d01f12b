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
        Assert.Equal(["coupondb", "kafka"], References("consumer"));
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
}
