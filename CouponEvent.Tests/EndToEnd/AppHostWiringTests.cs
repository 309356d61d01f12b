using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>The services get exactly the environment an Aspire AppHost would give them.</summary>
[Collection("stack")]
public sealed class AppHostWiringTests(StackFixture stack)
{
    [Fact]
    public void Connection_strings_use_Aspires_names_and_formats()
    {
        var env = stack.App.GetProject("applyapi").Instances[0].Environment;

        Assert.Matches(@"^127\.0\.0\.1:\d+$", env["ConnectionStrings__redis"]);
        Assert.Matches(@"^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*$", env["ConnectionStrings__kafka"]);
        Assert.Matches(@"^Server=127\.0\.0\.1;Port=\d+;User ID=root;Password=[^;]+;Database=coupondb$", env["ConnectionStrings__coupondb"]);
    }

    [Fact]
    public void Every_replica_sends_its_telemetry_to_the_dashboard_over_otlp_http_protobuf()
    {
        var instances = stack.App.Resources.OfType<CouponEvent.AppHost.Hosting.ProjectResource>().SelectMany(p => p.Instances).ToList();

        Assert.Equal(5, instances.Count);
        Assert.All(instances, i =>
        {
            Assert.Equal(stack.App.DashboardUrl, i.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("http/protobuf", i.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
            Assert.Equal("1000", i.Environment["OTEL_METRIC_EXPORT_INTERVAL"]);
            Assert.Matches("^x-otlp-api-key=[0-9a-f]{32}$", i.Environment["OTEL_EXPORTER_OTLP_HEADERS"]);
        });
    }

    [Fact]
    public void Each_replica_has_its_own_url_service_name_and_instance_id()
    {
        var replicas = stack.App.GetProject("retryjob").Instances;

        Assert.Equal(2, replicas.Count);
        Assert.All(replicas, r => Assert.Equal("retryjob", r.Environment["OTEL_SERVICE_NAME"]));
        Assert.NotEqual(replicas[0].Environment["OTEL_RESOURCE_ATTRIBUTES"], replicas[1].Environment["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.NotEqual(replicas[0].Environment["ASPNETCORE_URLS"], replicas[1].Environment["ASPNETCORE_URLS"]);
        Assert.False(stack.App.GetProject("consumer").Instances[0].Environment.ContainsKey("ConnectionStrings__redis")); // only what it references
    }

    [Fact]
    public async Task Every_service_reports_healthy_with_its_dependencies_checked()
    {
        foreach (var name in new[] { "applyapi", "consumer", "retryjob" })
        {
            using var client = stack.App.CreateHttpClient(name);
            Assert.Equal("Healthy", await client.GetStringAsync("/alive"));
            // Other tests break servers on purpose; a service reports healthy again once they are back.
            await Eventually.HoldsAsync(async () => (await client.GetAsync("/health")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));
        }
    }
}
