using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>ApplyApi in the test process, wired to the stack's real Redis, Kafka and MySQL exactly as the AppHost wires it.</summary>
/// <remarks>Any public type of ApplyApi names its entry assembly; the AppHost's Program would clash with its Program.</remarks>
public sealed class ApplyApiFactory(StackFixture stack, Action<IWebHostBuilder>? configure = null)
    : WebApplicationFactory<CouponEvent.ApplyApi.Admission.ApplyUseCase>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:redis", stack.RedisConnectionString);
        builder.UseSetting("ConnectionStrings:kafka", stack.KafkaBootstrapServers);
        builder.UseSetting("ConnectionStrings:coupondb", stack.MySqlConnectionString);
        builder.UseSetting("Authentication:Schemes:Bearer:Authority", stack.Identity.BaseAddress!.ToString());
        builder.UseSetting("Authentication:Schemes:Bearer:RequireHttpsMetadata", "false");
        // Fail fast when a test takes Kafka away.
        builder.UseSetting("Kafka:Producer:message.timeout.ms", "1500");
        builder.UseSetting("RateLimit:PermitsPerSecond", "0");
        builder.UseSetting("RateLimit:SubjectPermitsPerSecond", "0");
        configure?.Invoke(builder);
    }
}
