namespace CouponEvent.Tests.Infrastructure;

/// <summary>The repository's README.md, for the tests that hold what it says to the code.</summary>
public static class Readme
{
    public static string Text { get; } = File.ReadAllText(Find());

    /// <summary>The text of a level-2 section, from its heading to the next.</summary>
    public static string Section(string heading)
    {
        var start = Text.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section '{heading}'");
        var end = Text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? Text[start..] : Text[start..end];
    }

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "README.md"))) directory = directory.Parent!;
        return Path.Combine(directory.FullName, "README.md");
    }
}
