using System.Diagnostics;
using System.Runtime.InteropServices;
using CouponEvent.AppHost.Hosting;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>The AppHost as users run it: its own process, stopped with Ctrl+C (SIGINT).</summary>
public sealed class AppHostProcessTests
{
    [Fact]
    public async Task Ctrl_C_stops_every_process_and_removes_the_data_folder()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), $"couponevent-sigint-{Guid.NewGuid():N}");
        var appHost = new ProjectInfo("CouponEvent.AppHost").EntryAssemblyPath;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "exec", appHost, "--mode", "local", "--data-dir", dataDir }) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var ready = new TaskCompletionSource();
        var output = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Add(e.Data);
            if (e.Data.Contains("CouponEvent is running", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
            var children = Descendants(process.Id);
            Assert.True(children.Count >= 5, $"expected redis, mariadbd and three services, found {children.Count} processes");
            Assert.True(Directory.Exists(dataDir));

            Assert.Equal(0, kill(process.Id, SIGINT));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(0, process.ExitCode);
            Assert.DoesNotContain(children, IsAlive);
            Assert.False(Directory.Exists(dataDir), "the data folder was left behind");
        }
        catch (Exception) when (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            lock (output) Console.WriteLine(string.Join(Environment.NewLine, output.TakeLast(20)));
        }
    }

    [Fact]
    public async Task A_service_that_fails_to_start_is_reported_with_its_name_and_last_output()
    {
        var app = await DistributedApplicationTesting.CreateAsync(["--mode", "local"]);
        app.GetProject("consumer").WithEnvironment("Consumer__BatchSize", "0");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.StartsWith("consumer exited with code", error.Message);
        Assert.Contains("BatchSize", error.Message); // the options validation, from the service's own output
        Assert.All(app.Resources.OfType<ProjectResource>().SelectMany(p => p.Instances), i => Assert.False(i.IsRunning));
    }

    /// <summary>Every process below <paramref name="pid"/>, from /proc.</summary>
    private static List<int> Descendants(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[child] = int.Parse(fields[1]);
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
        }
        var found = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var (child, p) in parents)
            {
                if (p != parent) continue;
                found.Add(child);
                queue.Enqueue(child);
            }
        }
        return found;
    }

    private static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");

    private const int SIGINT = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
