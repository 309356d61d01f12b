using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Hosting;

namespace CouponEvent.AppHost;

public static class ServiceBuilderExtensions
{
    /// <summary>
    /// A CouponEvent service: an HTTP endpoint (the services have no launch profiles), <c>/health</c> as its health
    /// check, the AppHost's environment name, <c>AppHost:Replicas:{name}</c> replicas, and a fixed port when
    /// <c>AppHost:Ports:{name}</c> asks for one (Aspire's proxy listens there and spreads over the replicas).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, [ResourceName] string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithHttpEndpoint(port: builder.Configuration.GetValue<int?>($"AppHost:Ports:{name}"))
            .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithHttpHealthCheck("/health")
            // Plain HTTP on loopback: no development certificate to trust (else the dashboard opens on an error).
            .WithoutHttpsCertificate()
            .WithReplicas(builder.GetReplicas(name))
            // Aspire gives every project the dashboard's OTLP endpoint, with or without a dashboard. Without one, the
            // services would record every span and retry sending it to a port nobody listens on (bench/README.md).
            // Telemetry that nothing receives is not made at all (OpenTelemetry's standard switch for every signal): no
            // span, no metric aggregation, no trace context on each Kafka message, no Activity for every request.
            .WithEnvironment(context =>
            {
                if (!builder.DashboardDisabled()) return;
                foreach (var otlp in context.EnvironmentVariables.Keys.Where(k => k.StartsWith("OTEL_EXPORTER_OTLP_", StringComparison.Ordinal)).ToList())
                    context.EnvironmentVariables.Remove(otlp);
                context.EnvironmentVariables["OTEL_SDK_DISABLED"] = "true";
            })
            // Where to find it, on the console beside the dashboard's login link.
            .OnResourceReady((service, ready, _) =>
            {
                ready.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CouponEvent.AppHost")
                    .LogInformation("{Service} is ready at {Url}", service.Name, service.GetEndpoint("http").Url);
                return Task.CompletedTask;
            });

    /// <summary>
    /// The service validates bearer tokens from <paramref name="issuer"/> (ASP.NET Core's <c>Authentication:Schemes:Bearer</c>
    /// section): its discovery document over plain HTTP, as every local service is reached.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTokenIssuer(this IResourceBuilder<ProjectResource> service, IResourceBuilder<ProjectResource> issuer) =>
        service.WaitFor(issuer)
            .WithEnvironment("Authentication__Schemes__Bearer__Authority", issuer.GetEndpoint("http"))
            .WithEnvironment("Authentication__Schemes__Bearer__RequireHttpsMetadata", "false");

    /// <summary>Whether the builder was made without Aspire's dashboard (the options it was created with).</summary>
    private static bool DashboardDisabled(this IDistributedApplicationBuilder builder) =>
        builder.Services.Select(d => d.ImplementationInstance).OfType<DistributedApplicationOptions>().SingleOrDefault()?.DisableDashboard
        ?? throw new InvalidOperationException("The builder's DistributedApplicationOptions are not registered.");
}
