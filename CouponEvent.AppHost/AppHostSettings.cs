using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace CouponEvent.AppHost;

public static class AppHostSettings
{
    /// <summary>
    /// The dashboard's ports (the launch profile's) must be free: when one is taken, Aspire still logs "Now listening"
    /// and the dashboard serves nothing. Say so, and stop.
    /// </summary>
    public static void EnsureDashboardPortsAreFree(this IDistributedApplicationBuilder builder)
    {
        // Tests (Aspire.Hosting.Testing) randomize the ports.
        if (builder.ExecutionContext.IsPublishMode || builder.Configuration.GetValue("DcpPublisher:RandomizePorts", false)) return;
        foreach (var setting in new[] { "ASPNETCORE_URLS", "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL", "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL" })
        {
            foreach (var url in (builder.Configuration[setting] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port <= 0) continue;
                try
                {
                    using var probe = new TcpListener(System.Net.IPAddress.Loopback, uri.Port);
                    probe.Start();
                }
                catch (SocketException)
                {
                    throw new DistributedApplicationException(
                        $"Port {uri.Port} ({setting}, from the AppHost's launch profile) is taken by another process: stop it, or change the port in CouponEvent.AppHost/Properties/launchSettings.json.");
                }
            }
        }
    }

    /// <summary><c>AppHost:Dashboard</c> (command line or environment), read before the builder exists; true by default.</summary>
    public static bool DashboardEnabled(string[] args) =>
        new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build().GetValue("AppHost:Dashboard", true);
}
