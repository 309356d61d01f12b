using System.Diagnostics;

namespace CouponEvent.AppHost.Local;

/// <summary>
/// A child process whose output is kept (the last lines, for error reports) and passed to a sink
/// (the AppHost's prefixed console, or nothing in tests). Stopping kills the whole process tree.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 40;
    private readonly Queue<string> _lastLines = new();
    private readonly Process _process;
    private int? _exitCodeAfterDispose;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }
    /// <summary>The process id (kept after exit, for reports).</summary>
    public int Id { get; private set; }
    public bool HasExited => _exitCodeAfterDispose is not null || _process.HasExited;
    public int? ExitCode => _exitCodeAfterDispose ?? (_process.HasExited ? _process.ExitCode : null);

    public static ChildProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        Action<string, string>? output = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) info.Environment[key] = value;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, output);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, output);
        if (!process.Start()) throw new InvalidOperationException($"{name}: could not start {fileName}");
        child.Id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void OnLine(string? line, Action<string, string>? output)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > KeptLines) _lastLines.Dequeue();
        }
        output?.Invoke(Name, line);
    }

    public string LastLines()
    {
        lock (_lastLines) return string.Join(Environment.NewLine, _lastLines);
    }

    /// <summary>An exception that names the resource and shows what it last printed.</summary>
    public Exception Failure(string what) =>
        new InvalidOperationException($"{Name} {what}.{Environment.NewLine}Last output of {Name}:{Environment.NewLine}{LastLines()}");

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>SIGKILL, as a crash would: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (HasExited) return;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then SIGKILL if the process is still there after the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited) return;
        _ = Posix.kill(_process.Id, Posix.SIGTERM);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_exitCodeAfterDispose is not null) return;
        await StopAsync(TimeSpan.FromSeconds(10));
        _exitCodeAfterDispose ??= _process.ExitCode;
        _process.Dispose();
    }
}
