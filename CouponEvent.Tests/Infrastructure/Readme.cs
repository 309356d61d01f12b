namespace CouponEvent.Tests.Infrastructure;

/// <summary>The repository's README.md and docs/, for the tests that hold what they say to the code.</summary>
public static class Readme
{
    /// <summary>The repository's root folder.</summary>
    public static string Root { get; } = FindRoot();

    public static string Text { get; } = File.ReadAllText(Path.Combine(Root, "README.md"));

    /// <summary>The text of a level-2 section of README.md, from its heading to the next.</summary>
    public static string Section(string heading) => Section(Text, heading, "README.md");

    /// <summary>The text of a level-2 section of a file in docs/.</summary>
    public static string DocSection(string file, string heading) =>
        Section(File.ReadAllText(Path.Combine(Root, "docs", file)), heading, $"docs/{file}");

    private static string Section(string text, string heading, string name)
    {
        var start = text.IndexOf($"\n## {heading}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{name} has no section '{heading}'");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "README.md"))) directory = directory.Parent!;
        return directory.FullName;
    }
}
