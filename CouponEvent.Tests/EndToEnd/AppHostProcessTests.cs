using System.Diagnostics;
using System.Text.RegularExpressions;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>The AppHost as users run it: <c>dotnet run</c> in a terminal, stopped with Ctrl+C.</summary>
public sealed partial class AppHostProcessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Ctrl_C_to_dotnet_run_stops_every_process_and_removes_the_data_folder()
    {
        // A temporary folder of its own, so that the data folder it makes is the only one there. A short path: DCP
        // puts its sockets in it, and a Unix socket path has at most 107 characters.
        var temp = Directory.CreateTempSubdirectory("ce-").FullName;
        var project = Path.Combine(Readme.Root, "CouponEvent.AppHost");
        // A real terminal (tmux): Ctrl+C there is SIGINT to the foreground process group, as a user's is.
        var session = $"apphost-{Guid.NewGuid():N}"[..16];
        var log = Path.Combine(temp, "apphost.log");
        Tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50",
            $"cd '{Readme.Root}' && env -i PATH=\"$PATH\" HOME=\"$HOME\" TMPDIR='{temp}' dotnet run --no-build --project '{project}' -- " +
            $"--AppHost:Mode=local > '{log}' 2>&1");
        var shell = int.Parse(Tmux("display-message", "-p", "-t", session, "#{pane_pid}").Trim());

        List<int> children = [];
        try
        {
            // Up: ApplyApi answers a POST on the URL the AppHost printed, the servers and the services run, and the data
            // folder exists. Within 2 minutes: `dotnet run` starts the dashboard, DCP and every process from cold while
            // the other test collections load the same two cores (48 s in one CI run, over 60 s in a local one).
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Eventually.HoldsAsync(async () =>
            {
                var printed = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
                var applyApi = PrintedUrl().Match(printed);
                var identity = PrintedIssuerUrl().Match(printed);
                if (!applyApi.Success || !identity.Success) return false;
                try
                {
                    // As the README's curl recipe: a token from the issuer, then an application with it.
                    using var issuer = new HttpClient { BaseAddress = new Uri(identity.Groups[1].Value), Timeout = TimeSpan.FromSeconds(5) };
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"{applyApi.Groups[1].Value}/api/events/default/applications");
                    request.Headers.Authorization = new("Bearer", await CouponEvent.ServiceDefaults.TokenClient.RequestApplicantTokenAsync(issuer, "process-test"));
                    using var response = await http.SendAsync(request);
                    return response.StatusCode == System.Net.HttpStatusCode.Accepted;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not up yet: Aspire's proxy listens before the service does.
                    return false;
                }
            }, TimeSpan.FromMinutes(2));
            await Eventually.HoldsAsync(() =>
            {
                children = Stack(shell, temp);
                var commands = children.Select(Command).ToList();
                return Task.FromResult(Directory.GetDirectories(temp, "couponevent-*").Length == 1
                    && new[] { "redis-server", "mariadbd", "bin/Debug/net10.0/CouponEvent.Consumer" }.All(c => commands.Any(command => command.Contains(c))));
            }, TimeSpan.FromSeconds(30));

            Tmux("send-keys", "-t", session, "C-c");

            // Aspire stops the resources one by one before it exits.
            await Eventually.HoldsAsync(() => Task.FromResult(!children.Any(IsAlive)), TimeSpan.FromSeconds(30));
            Assert.Empty(Directory.GetDirectories(temp, "couponevent-*"));
        }
        finally
        {
            Tmux("kill-session", "-t", session);
            foreach (var pid in children.Where(IsAlive)) ProcessTree.Signal(pid, 9);
            if (File.Exists(log)) output.WriteLine(string.Join(Environment.NewLine, File.ReadLines(log).TakeLast(30)));
            Directory.Delete(temp, recursive: true);
        }
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

    /// <summary>
    /// What the AppHost started: its descendants, and DCP's (DCP detaches from the AppHost; its controllers keep their
    /// files in the AppHost's temporary folder, so they name it on their command line).
    /// </summary>
    private static List<int> Stack(int root, string temp)
    {
        var dcp = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).OfType<string>()
            .Where(name => int.TryParse(name, out _)).Select(int.Parse)
            .Where(pid => Command(pid) is var command && command.Contains(temp, StringComparison.Ordinal)
                && !command.StartsWith("tmux", StringComparison.Ordinal) && pid != root);
        return dcp.SelectMany(pid => ProcessTree.Descendants(pid).Append(pid))
            .Concat(ProcessTree.Descendants(root)).Distinct().ToList();
    }

    private static string Tmux(params string[] args)
    {
        using var tmux = Process.Start(new ProcessStartInfo("tmux", args) { RedirectStandardOutput = true })!;
        var text = tmux.StandardOutput.ReadToEnd();
        tmux.WaitForExit();
        Assert.True(tmux.ExitCode == 0 || args[0] == "kill-session", $"tmux {string.Join(' ', args)} failed");
        return text;
    }

    [GeneratedRegex(@"applyapi is ready at (http://\S+)")]
    private static partial Regex PrintedUrl();

    [GeneratedRegex(@"identity is ready at (http://\S+)")]
    private static partial Regex PrintedIssuerUrl();

    private static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
}
