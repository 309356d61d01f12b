namespace CouponEvent.AppHost.Hosting;

/// <summary>Every resource's output on one console, each line behind a coloured, aligned name.</summary>
public static class ConsoleOutput
{
    private static readonly ConsoleColor[] Palette =
        [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan, ConsoleColor.DarkYellow];
    private static readonly Dictionary<string, ConsoleColor> Colors = [];
    private static readonly Lock Gate = new();
    public const int NameWidth = 12;

    public static void Write(string name, string line)
    {
        lock (Gate)
        {
            if (!Colors.TryGetValue(name, out var color)) Colors[name] = color = Palette[Colors.Count % Palette.Length];
            Console.ForegroundColor = color;
            Console.Write(name.PadRight(NameWidth)[..NameWidth]);
            Console.Write(" | ");
            Console.ResetColor();
            Console.WriteLine(line);
        }
    }

    public static void Info(string line) => Write("apphost", line);

    public static void Error(string line)
    {
        lock (Gate)
        {
            Console.ForegroundColor = ConsoleColor.Red;
            Console.Error.WriteLine(line);
            Console.ResetColor();
        }
    }
}
