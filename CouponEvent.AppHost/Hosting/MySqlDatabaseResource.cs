namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A database on a MySQL-compatible server (<c>coupondb</c>): the server's connection string plus <c>Database=</c>.
/// Its state is the server's (see <see cref="MySqlDatabaseBuilderExtensions.AddDatabase"/>).
/// </summary>
public sealed class MySqlDatabaseResource(string name, string databaseName, IResourceWithConnectionString parent)
    : Resource(name), IResourceWithParent<IResourceWithConnectionString>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public IResourceWithConnectionString Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
