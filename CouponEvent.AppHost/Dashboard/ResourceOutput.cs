namespace CouponEvent.AppHost.Dashboard;

/// <summary>The last lines each resource printed (every replica and server, by its name), for the resources view.</summary>
public sealed class ResourceOutput
{
    public const int KeptLines = 300;

    private readonly Dictionary<string, Queue<(DateTimeOffset Time, string Line)>> _lines = [];
    private readonly Lock _gate = new();

    public void Add(string name, string line)
    {
        lock (_gate)
        {
            if (!_lines.TryGetValue(name, out var lines)) _lines[name] = lines = new Queue<(DateTimeOffset, string)>();
            lines.Enqueue((DateTimeOffset.UtcNow, line));
            if (lines.Count > KeptLines) lines.Dequeue();
        }
    }

    public IReadOnlyList<(DateTimeOffset Time, string Line)> Of(string name)
    {
        lock (_gate) return _lines.TryGetValue(name, out var lines) ? lines.ToList() : [];
    }
}
