namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A private mariadbd (MySQL-compatible) run as an executable (local mode), its data in a folder of its own,
/// with a root password made for this run.
/// </summary>
public sealed class MariaDbServerResource(string name, string command, string directory, ParameterResource password)
    : ExecutableResource(name, command, directory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Server=127.0.0.1;Port={PrimaryEndpoint.Property(EndpointProperty.Port)};User ID=root;Password={PasswordParameter}");
}
