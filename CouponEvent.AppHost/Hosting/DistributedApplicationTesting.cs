namespace CouponEvent.AppHost.Hosting;

/// <summary>
/// Runs the AppHost's own Program for a test, as Aspire.Hosting.Testing does: the test gets the stack that
/// Program declares (with the test's command-line arguments and options) instead of Program running it
/// until Ctrl+C. The test then starts, drives and disposes it.
/// </summary>
public static class DistributedApplicationTesting
{
    private sealed record Hook(Func<AppHostOptions, AppHostOptions> Adjust, TaskCompletionSource<DistributedApplication> Built);

    private static readonly AsyncLocal<Hook?> Current = new();

    /// <summary>Builds (does not start) the stack declared by the AppHost's Program.</summary>
    public static async Task<DistributedApplication> CreateAsync(string[] args, Func<AppHostOptions, AppHostOptions>? adjust = null)
    {
        var hook = new Hook(adjust ?? (o => o), new TaskCompletionSource<DistributedApplication>(TaskCreationOptions.RunContinuationsAsynchronously));
        Current.Value = hook;
        try
        {
            var entryPoint = typeof(DistributedApplicationTesting).Assembly.EntryPoint
                ?? throw new InvalidOperationException("The AppHost assembly has no entry point.");
            var main = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
            if (main is Task task) await task;
        }
        finally
        {
            Current.Value = null;
        }
        return hook.Built.Task.IsCompleted
            ? await hook.Built.Task
            : throw new InvalidOperationException("The AppHost's Program ended without building a stack (see its output: bad arguments?).");
    }

    internal static AppHostOptions Adjust(AppHostOptions options) => Current.Value?.Adjust(options) ?? options;

    internal static bool TryHandOver(DistributedApplication app) => Current.Value?.Built.TrySetResult(app) ?? false;
}
