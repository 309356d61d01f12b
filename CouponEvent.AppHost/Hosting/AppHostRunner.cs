using System.Runtime.InteropServices;
using System.Text;

namespace CouponEvent.AppHost.Hosting;

/// <summary><c>dotnet run --project CouponEvent.AppHost</c>: start, show the table, watch, stop on Ctrl+C.</summary>
public static class AppHostRunner
{
    public const string Usage = """
        Usage: dotnet run --project CouponEvent.AppHost -- [options]

        Runs the whole CouponEvent stack locally: private redis-server and mariadbd in a temporary folder,
        librdkafka's mock Kafka cluster, then ApplyApi, Consumer and RetryJob. Ctrl+C stops everything.

        Options:
          --replicas NAME=N     Run N replicas of a service (e.g. --replicas consumer=3). Repeatable.
          --data-dir DIR        Keep the servers' data in DIR instead of a temporary folder.
          --otlp-endpoint URL   Send the services' telemetry to an OTLP/HTTP collector (e.g. http://localhost:4318).
          -h, --help            Show this help.
        """;

    /// <summary>Reads the command line; null after printing help or an error.</summary>
    public static (AppHostOptions Options, Dictionary<string, int> Replicas)? Parse(string[] args)
    {
        var replicas = new Dictionary<string, int>();
        string? dataDir = null, otlp = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            try
            {
                switch (args[i])
                {
                    case "-h" or "--help":
                        Console.WriteLine(Usage);
                        return null;
                    case "--replicas":
                        var pair = Next().Split('=', 2);
                        if (pair.Length != 2 || !int.TryParse(pair[1], out var count) || count < 1)
                            throw new ArgumentException($"--replicas takes NAME=N with N ≥ 1, e.g. consumer=3; got '{string.Join('=', pair)}'.");
                        replicas[pair[0]] = count;
                        break;
                    case "--data-dir":
                        dataDir = Path.GetFullPath(Next());
                        break;
                    case "--otlp-endpoint":
                        otlp = Next();
                        break;
                    default:
                        throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }
            catch (ArgumentException ex)
            {
                ConsoleOutput.Error($"{ex.Message}{Environment.NewLine}{Environment.NewLine}{Usage}");
                Environment.ExitCode = 2;
                return null;
            }
        }
        var options = new AppHostOptions { DataRoot = dataDir, OtlpEndpoint = otlp, Output = ConsoleOutput.Write };
        return (DistributedApplicationTesting.Adjust(options), replicas);
    }

    public static async Task RunAsync(DistributedApplication app)
    {
        if (DistributedApplicationTesting.TryHandOver(app)) return;

        using var stopping = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        try
        {
            ConsoleOutput.Info("Starting redis, kafka and mysql, then the services…");
            await app.StartAsync(stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            ConsoleOutput.Error($"The stack did not start: {ex.Message}");
            Environment.ExitCode = 1;
            return;
        }

        Console.WriteLine(Summary(app));
        try
        {
            await WatchAsync(app, stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C.
        }
        ConsoleOutput.Info("Stopping…");
        await app.DisposeAsync();
        ConsoleOutput.Info("Stopped; temporary data removed.");
    }

    /// <summary>Reports a service replica that exits, with what it last printed.</summary>
    private static async Task WatchAsync(DistributedApplication app, CancellationToken stopping)
    {
        var reported = new HashSet<ServiceInstance>();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await timer.WaitForNextTickAsync(stopping))
        {
            foreach (var instance in app.Resources.OfType<ProjectResource>().SelectMany(p => p.Instances))
            {
                if (instance.IsRunning || !reported.Add(instance)) continue;
                ConsoleOutput.Error(instance.Process!.Failure($"exited with code {instance.Process.ExitCode}").Message);
            }
        }
    }

    public static string Summary(DistributedApplication app)
    {
        var rows = new List<(string Name, string Type, string State, string Target)>();
        foreach (var resource in app.Resources)
        {
            if (resource is ProjectResource project)
            {
                foreach (var instance in project.Instances)
                    rows.Add((instance.Name, "project", instance.IsRunning ? $"Running (pid {instance.Process!.Id})" : "Exited", instance.Url));
            }
            else
            {
                rows.Add((resource.Name, resource.GetType().Name.Replace("Resource", "").ToLowerInvariant(), resource.State, resource.Target ?? ""));
            }
        }
        var width = (Name: rows.Max(r => r.Name.Length), Type: rows.Max(r => r.Type.Length), State: rows.Max(r => r.State.Length));
        var text = new StringBuilder().AppendLine().AppendLine("CouponEvent is running. Ctrl+C stops everything.").AppendLine();
        text.AppendLine($"  {"RESOURCE".PadRight(width.Name)}  {"TYPE".PadRight(width.Type)}  {"STATE".PadRight(width.State)}  TARGET");
        foreach (var row in rows)
            text.AppendLine($"  {row.Name.PadRight(width.Name)}  {row.Type.PadRight(width.Type)}  {row.State.PadRight(width.State)}  {row.Target}");
        var api = app.GetProject("applyapi").Instances[0].Url;
        text.AppendLine()
            .AppendLine($"  API reference   {api}/scalar")
            .AppendLine($"  OpenAPI         {api}/openapi/v1.json")
            .AppendLine($"  Health          {api}/health")
            .AppendLine($"  Admin API key   {app.Options.AdminApiKey}  (header X-Api-Key; set COUPONEVENT_ADMIN_API_KEY to choose it)")
            .AppendLine($"  Try it          curl -i -X POST {api}/api/events/default/applications -H 'Content-Type: application/json' -d '{{\"userId\": 1}}'");
        return text.ToString();
    }
}
