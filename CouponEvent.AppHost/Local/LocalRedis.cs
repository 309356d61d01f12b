using System.Net.Sockets;
using System.Text;

namespace CouponEvent.AppHost.Local;

/// <summary>
/// A private redis-server on a free loopback port with its data in a folder of its own.
/// AOF on and noeviction, as production wants: admissions must survive a restart and never be evicted.
/// </summary>
public sealed class LocalRedis(string dataDirectory, int port, Action<string, string>? output) : IAsyncDisposable
{
    private ChildProcess? _process;
    private bool _started;

    public int Port => port;
    /// <summary>The server's process id, for the dashboard; null before it starts.</summary>
    public int? ProcessId => _process?.Id;
    /// <summary>Starts after the first (tests stop and start servers), for the dashboard.</summary>
    public int Restarts { get; private set; }
    /// <summary>Aspire's format for <c>ConnectionStrings__redis</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{port}";

    public static async Task<LocalRedis> StartAsync(string dataDirectory, Action<string, string>? output = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(dataDirectory);
        var redis = new LocalRedis(dataDirectory, FreePort.Next(), output);
        await redis.StartAsync(cancellationToken);
        return redis;
    }

    /// <summary>Starts (or restarts) the server on the same port and folder.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var executable = Executables.Find("redis-server", "redis-server");
        if (_started) Restarts++;
        _started = true;
        _process = ChildProcess.Start("redis", executable,
        [
            "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", dataDirectory,
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--maxmemory-policy", "noeviction", "--daemonize", "no", "--protected-mode", "yes",
        ], output: output);
        await WaitUntilReadyAsync(cancellationToken);
    }

    /// <summary>Stops the server; with <paramref name="wipe"/> its data goes too, as if a new, empty Redis replaced it.</summary>
    public async Task StopAsync(bool wipe = false)
    {
        if (_process is not null) await _process.DisposeAsync();
        _process = null;
        if (wipe && Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
            Directory.CreateDirectory(dataDirectory);
        }
    }

    /// <summary>
    /// A point-in-time copy of the data (<c>SAVE</c>), as a replica that lags or the last fsync would hold it,
    /// in a file beside the data folder.
    /// </summary>
    public async Task<string> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        var reply = await SendAsync("SAVE", cancellationToken);
        if (!reply.StartsWith("+OK", StringComparison.Ordinal)) throw new InvalidOperationException($"SAVE failed: {reply}");
        var snapshot = $"{dataDirectory.TrimEnd(Path.DirectorySeparatorChar)}-snapshot-{Guid.NewGuid():N}.rdb";
        File.Copy(Path.Combine(dataDirectory, "dump.rdb"), snapshot);
        return snapshot;
    }

    /// <summary>
    /// Crashes the server (SIGKILL) and brings it back, on the same port, from <paramref name="snapshot"/> as its AOF's
    /// base: what a machine crash under <c>appendfsync everysec</c>, or a failover to a replica that lagged, leaves.
    /// A new process (a new run id) that holds every key, minus the writes made after the snapshot.
    /// </summary>
    public async Task RollBackAsync(string snapshot, CancellationToken cancellationToken = default)
    {
        if (_process is not null)
        {
            await _process.KillAsync();
            await _process.DisposeAsync();
        }
        _process = null;
        Directory.Delete(dataDirectory, recursive: true);
        var aof = Directory.CreateDirectory(Path.Combine(dataDirectory, "appendonlydir")).FullName;
        File.Move(snapshot, Path.Combine(aof, "appendonly.aof.1.base.rdb"));
        await File.WriteAllTextAsync(Path.Combine(aof, "appendonly.aof.manifest"), "file appendonly.aof.1.base.rdb seq 1 type b\n", cancellationToken);
        await StartAsync(cancellationToken);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited) throw _process.Failure("exited during start-up");
            if (await PingAsync(cancellationToken)) return;
            await Task.Delay(50, cancellationToken);
        }
        throw _process!.Failure("did not answer PING within 20 s");
    }

    private async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync("PING", cancellationToken)).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false;
        }
    }

    /// <summary>One inline command on a connection of its own; the first bytes of the reply.</summary>
    private async Task<string> SendAsync(string command, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cancellationToken);
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
