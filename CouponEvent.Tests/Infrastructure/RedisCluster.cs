using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster of Debian's <c>redis-server</c>: three masters and a replica each, made by
/// <c>redis-cli --cluster create</c> as an operator makes one, on free loopback ports (each node also binds its port
/// + 10000), data in a temporary folder removed at the end.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("couponevent-cluster-").FullName;
    private readonly List<Process> _nodes = [];

    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>The masters' addresses, as a user gives a cluster to a client: no admin mode.</summary>
    public string MastersConnectionString => string.Join(",", Ports.Take(3).Select(p => $"127.0.0.1:{p}"));

    public static async Task<RedisCluster> StartAsync()
    {
        var cluster = new RedisCluster();
        try
        {
            await cluster.CreateAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task CreateAsync()
    {
        Ports = FreePorts(6);
        foreach (var port in Ports)
        {
            var data = Directory.CreateDirectory(Path.Combine(_directory, port.ToString())).FullName;
            _nodes.Add(Process.Start(new ProcessStartInfo("redis-server",
                [
                    "--port", port.ToString(), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000", "--dir", data, "--appendonly", "yes", "--save", "", "--maxmemory-policy", "noeviction",
                    "--daemonize", "no",
                ])
            { RedirectStandardOutput = true, RedirectStandardError = true })!);
        }
        foreach (var port in Ports)
            await Eventually.HoldsAsync(async () => (await CliAsync(port, "PING")).Contains("PONG"), TimeSpan.FromSeconds(20));

        var create = await RunAsync("redis-cli", ["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "1", "--cluster-yes"]);
        Assert.True(create.Contains("[OK] All 16384 slots covered", StringComparison.Ordinal), create);
        // Every node agrees that the cluster is whole before a client meets it.
        foreach (var port in Ports)
            await Eventually.HoldsAsync(async () => (await CliAsync(port, "CLUSTER", "INFO")).Contains("cluster_state:ok"), TimeSpan.FromSeconds(30));
        // and every master's replica has finished its first sync: until then WAIT cannot count it.
        foreach (var port in Ports.Take(3))
            await Eventually.HoldsAsync(async () => (await CliAsync(port, "INFO", "replication")).Contains("state=online"), TimeSpan.FromSeconds(30));
    }

    public Task<string> CliAsync(int port, params string[] command) => RunAsync("redis-cli", ["-p", port.ToString(), .. command]);

    private static async Task<string> RunAsync(string file, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output + error;
    }

    /// <summary>Ports free now whose cluster bus port (+ 10000) is free too.</summary>
    private static List<int> FreePorts(int count)
    {
        var ports = new List<int>();
        while (ports.Count < count)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (port + 10000 > 65535 || ports.Contains(port)) continue;
            try
            {
                using var bus = new TcpListener(IPAddress.Loopback, port + 10000);
                bus.Start();
            }
            catch (SocketException)
            {
                continue;
            }
            ports.Add(port);
        }
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            try
            {
                node.Kill();
                await node.WaitForExitAsync();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            node.Dispose();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
