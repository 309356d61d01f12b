using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// Each replica's console of one resource, as the dashboard shows it (Aspire's <see cref="ResourceLoggerService"/>
/// replays what a replica wrote before, then follows it), collected until disposed: which replica did what.
/// </summary>
public sealed class ReplicaLogs : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _lines = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _following = [];

    public static async Task<ReplicaLogs> FollowAsync(DistributedApplication app, string resource)
    {
        var logs = new ReplicaLogs();
        var service = app.Services.GetRequiredService<ResourceLoggerService>();
        foreach (var replica in await new StackResources(app).ReplicaIdsAsync(resource))
        {
            var lines = logs._lines[replica] = new ConcurrentQueue<string>();
            logs._following.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var batch in service.WatchAsync(replica).WithCancellation(logs._stop.Token))
                        foreach (var line in batch) lines.Enqueue(line.Content);
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }
        return logs;
    }

    /// <summary>Each replica's lines so far.</summary>
    public IReadOnlyDictionary<string, string[]> Lines => _lines.ToDictionary(r => r.Key, r => r.Value.ToArray());

    /// <summary>How many lines of each replica contain <paramref name="text"/>.</summary>
    public IReadOnlyDictionary<string, int> Count(string text) =>
        _lines.ToDictionary(r => r.Key, r => r.Value.Count(line => line.Contains(text, StringComparison.Ordinal)));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_following);
        _stop.Dispose();
    }
}
