namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A private redis-server run as an executable (local mode), its data in a folder of its own.
/// Services receive <c>ConnectionStrings__{name}</c> as Aspire's Redis integration gives it: host:port.
/// </summary>
public sealed class RedisServerResource(string name, string command, string dataDirectory)
    : ExecutableResource(name, command, dataDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    /// <summary>Where the AOF lives; tests roll it back to simulate a server that lost its last writes.</summary>
    public string DataDirectory { get; } = dataDirectory;

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
