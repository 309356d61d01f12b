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
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
