namespace CouponEvent.AppHost.Hosting;

/// <summary>Finds the Debian server binaries that local mode runs, and says which package brings a missing one.</summary>
public static class Executables
{
    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

    public static string Find(string name, string debianPackage)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator) ?? [];
        foreach (var directory in path.Concat(ExtraDirectories))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            $"'{name}' was not found on PATH. Install it with: sudo apt-get install -y {debianPackage}");
    }
}
