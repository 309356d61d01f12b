using System.Diagnostics;
using System.Runtime.InteropServices;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>The AppHost as users run it: <c>dotnet run</c> in a terminal, stopped with Ctrl+C.</summary>
public sealed partial class AppHostProcessTests
{
    [Fact]
    public async Task Ctrl_C_to_dotnet_run_stops_every_process_and_removes_the_data_folder()
    {
        // A temporary folder of its own, so that the data folder it makes is the only one there.
        var temp = Directory.CreateTempSubdirectory("couponevent-sigint-").FullName;
        var project = Path.Combine(ProjectRoot(), "CouponEvent.AppHost");
        // setsid: a process group of its own, as a terminal gives a command; Ctrl+C is SIGINT to that group.
        var info = new ProcessStartInfo("setsid", ["dotnet", "run", "--no-build", "--project", project, "--", "--AppHost:Mode=local"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["TMPDIR"] = temp },
        };
        using var process = Process.Start(info)!;
        var output = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        List<int> children = [];
        try
        {
            // Up: the servers and the services run, and the data folder exists.
            await Eventually.HoldsAsync(() =>
            {
                children = ProcessTree.Descendants(process.Id);
                return Task.FromResult(Directory.GetDirectories(temp, "couponevent-*").Length == 1
                    && children.Count(pid => Command(pid) is var c && (c.Contains("redis-server") || c.Contains("mariadbd") || c.Contains("CouponEvent.Consumer"))) == 3);
            }, TimeSpan.FromSeconds(120));

            Assert.Equal(0, kill(-process.Id, SIGINT));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            await Eventually.HoldsAsync(() => Task.FromResult(!children.Any(IsAlive)), TimeSpan.FromSeconds(10));
            Assert.Empty(Directory.GetDirectories(temp, "couponevent-*"));
        }
        finally
        {
            if (!process.HasExited) kill(-process.Id, 9);
            foreach (var pid in children.Where(IsAlive)) kill(pid, 9);
            lock (output) Console.WriteLine(string.Join(Environment.NewLine, output.TakeLast(30)));
            Directory.Delete(temp, recursive: true);
        }
    }

    private static string ProjectRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CouponEvent.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("CouponEvent.sln not found above the test's folder.");
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");

    private const int SIGINT = 2;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
