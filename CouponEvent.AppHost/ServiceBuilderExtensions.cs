using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

public static class ServiceBuilderExtensions
{
    /// <summary>
    /// A CouponEvent service: an HTTP endpoint (the services have no launch profiles), <c>/health</c> as its health
    /// check, the AppHost's environment name, and <c>AppHost:Replicas:{name}</c> replicas.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, [ResourceName] string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithHttpEndpoint()
            .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName)
            .WithHttpHealthCheck("/health")
            .WithReplicas(builder.GetReplicas(name));
}
