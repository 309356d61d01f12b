using System.Reflection;

namespace CouponEvent.AppHost.Hosting;

/// <summary>A service project, run from its build output (the AppHost's project references build it first).</summary>
public sealed record ProjectInfo(string AssemblyName)
{
    public string EntryAssemblyPath
    {
        get
        {
            var metadata = typeof(ProjectInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .ToDictionary(a => a.Key, a => a.Value);
            var path = Path.Combine(metadata["SolutionDirectory"]!, AssemblyName, "bin", metadata["Configuration"]!, "net10.0",
                AssemblyName + ".dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"{AssemblyName} is not built at {path}: run 'dotnet build' first.", path);
        }
    }
}

/// <summary>The services of the solution, as Aspire's generated <c>Projects</c> class names them.</summary>
public static class Projects
{
    public static readonly ProjectInfo CouponEvent_ApplyApi = new("CouponEvent.ApplyApi");
    public static readonly ProjectInfo CouponEvent_Consumer = new("CouponEvent.Consumer");
    public static readonly ProjectInfo CouponEvent_RetryJob = new("CouponEvent.RetryJob");
}
