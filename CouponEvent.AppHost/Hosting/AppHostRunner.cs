using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace CouponEvent.AppHost.Hosting;

/// <summary><c>dotnet run --project CouponEvent.AppHost</c>: start, show the table, watch, stop on Ctrl+C.</summary>
public static class AppHostRunner
{
    public const string Usage = """
        Usage: dotnet run --project CouponEvent.AppHost -- [options]

        Runs the whole CouponEvent stack: Redis, Kafka and MySQL, then ApplyApi, Consumer and RetryJob.
        Ctrl+C stops everything and removes temporary data.

        Options:
          --mode MODE           local: private redis-server and mariadbd in a temporary folder, and librdkafka's
                                       mock Kafka cluster (the default without a Docker engine);
                                containers: Aspire's images through Testcontainers, plus the Aspire dashboard
                                       (the default when a Docker engine answers);
                                external: servers that already run, from ConnectionStrings__redis, __kafka
                                       and __coupondb in the environment.
          --replicas NAME=N     Run N replicas of a service (e.g. --replicas consumer=3). Repeatable.
          --port NAME=PORT      Serve a service's first replica on a fixed port (e.g. --port applyapi=5000).
          --data-dir DIR        Keep local servers' data in DIR instead of a temporary folder.
          --otlp-endpoint URL   Also send the services' telemetry to an OTLP/HTTP collector (e.g. http://localhost:4318).
          --dashboard-port PORT Serve the dashboard on PORT (default 18888; any free port when taken; 0: any).
          --no-dashboard        No dashboard: the services send telemetry only to --otlp-endpoint, if given.
          -h, --help            Show this help.

        Each option can also come from the environment: AppHost__Mode, AppHost__Replicas__consumer=3,
        AppHost__Ports__applyapi=5000, AppHost__DataDir, AppHost__OtlpEndpoint, AppHost__DashboardPort,
        AppHost__Dashboard=false.
        """;

    /// <summary>Reads the environment, then the command line (which wins); null after printing help or an error.</summary>
    public static (AppHostOptions Options, Dictionary<string, int> Replicas)? Parse(string[] args)
    {
        var config = new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection("AppHost");
        var replicas = config.GetSection("Replicas").GetChildren().ToDictionary(c => c.Key, c => int.Parse(c.Value!));
        var ports = config.GetSection("Ports").GetChildren().ToDictionary(c => c.Key, c => int.Parse(c.Value!));
        string? dataDir = config["DataDir"], otlp = config["OtlpEndpoint"], mode = config["Mode"];
        int? dashboardPort = config["Dashboard"] is "false" or "False" ? null
            : int.TryParse(config["DashboardPort"], out var configured) ? configured : AppHostOptions.DefaultDashboardPort;
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
                        var (service, count) = NameAndNumber("--replicas", Next(), "consumer=3");
                        replicas[service] = count;
                        break;
                    case "--port":
                        var (name, port) = NameAndNumber("--port", Next(), "applyapi=5000");
                        ports[name] = port <= 65535 ? port : throw new ArgumentException($"--port: {port} is not a port.");
                        break;
                    case "--mode":
                        mode = Next();
                        break;
                    case "--data-dir":
                        dataDir = Path.GetFullPath(Next());
                        break;
                    case "--otlp-endpoint":
                        otlp = Next();
                        break;
                    case "--dashboard-port":
                        var value = Next();
                        dashboardPort = int.TryParse(value, out var chosenPort) && chosenPort is >= 0 and <= 65535
                            ? chosenPort : throw new ArgumentException($"--dashboard-port: '{value}' is not a port.");
                        break;
                    case "--no-dashboard":
                        dashboardPort = null;
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

        InfrastructureMode chosen;
        if (mode is null) chosen = DockerEngine.IsReachable() ? InfrastructureMode.Containers : InfrastructureMode.Local;
        else if (!Enum.TryParse(mode, ignoreCase: true, out chosen) || !Enum.IsDefined(chosen))
        {
            ConsoleOutput.Error($"--mode takes local, containers or external; got '{mode}'.{Environment.NewLine}{Environment.NewLine}{Usage}");
            Environment.ExitCode = 2;
            return null;
        }

        var options = new AppHostOptions
        {
            Mode = chosen, DataRoot = dataDir, OtlpEndpoint = otlp, DashboardPort = dashboardPort, Ports = ports, Output = ConsoleOutput.Write,
        };
        return (DistributedApplicationTesting.Adjust(options), replicas);
    }

    private static (string Name, int Number) NameAndNumber(string option, string value, string example)
    {
        var pair = value.Split('=', 2);
        return pair.Length == 2 && pair[0].Length > 0 && int.TryParse(pair[1], out var number) && number >= 1
            ? (pair[0], number)
            : throw new ArgumentException($"{option} takes NAME=N with N ≥ 1, e.g. {example}; got '{value}'.");
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
            ConsoleOutput.Info($"Starting redis, kafka and mysql ({app.Options.Mode.ToString().ToLowerInvariant()} mode), then the services…");
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
        ConsoleOutput.Info("Stopped.");
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
        text.AppendLine();
        if (app.DashboardUrl is { } dashboard) text.AppendLine($"  Dashboard       {dashboard}  (resources, the race live, traces)");
        if (app.AspireDashboardUrl is { } aspire) text.AppendLine($"  Aspire          {aspire}");
        text
            .AppendLine($"  API reference   {api}/scalar")
            .AppendLine($"  OpenAPI         {api}/openapi/v1.json")
            .AppendLine($"  Health          {api}/health")
            .AppendLine($"  Admin API key   {app.Options.AdminApiKey}  (header X-Api-Key; set COUPONEVENT_ADMIN_API_KEY to choose it)")
            .AppendLine($"  Try it          curl -i -X POST {api}/api/events/default/applications -H 'Content-Type: application/json' -d '{{\"userId\": 1}}'");
        return text.ToString();
    }
}
