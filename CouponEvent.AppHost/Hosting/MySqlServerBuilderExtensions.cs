using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>MySQL in a container (containers mode; the package Aspire.Hosting.MySql is not served here).</summary>
public static class MySqlServerBuilderExtensions
{
    public const string MySqlImage = "library/mysql";
    public const string MySqlTag = "9.6";

    public static IResourceBuilder<MySqlServerResource> AddMySqlContainer(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 22, Special = false }, secret: true);
        var mysql = new MySqlServerResource(name, password.Resource);
        return builder.AddResource(mysql)
            .WithImage(MySqlImage, MySqlTag)
            .WithImageRegistry("docker.io")
            .WithEndpoint(targetPort: 3306, name: MySqlServerResource.PrimaryEndpointName)
            .WithEnvironment("MYSQL_ROOT_PASSWORD", password)
            .WithVolume($"couponevent-{name}-data", "/var/lib/mysql")
            .WithMySqlHealthCheck();
    }
}
