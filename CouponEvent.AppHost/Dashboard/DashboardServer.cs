using System.Net;
using CouponEvent.AppHost.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CouponEvent.AppHost.Dashboard;

/// <summary>
/// The AppHost's dashboard: a small web app on loopback that receives the services' OTLP and serves the page that
/// shows resources, the race and traces. It starts before the services, so their exporters have somewhere to send.
/// </summary>
public sealed class DashboardServer(WebApplication web, string url) : IAsyncDisposable
{
    public string Url { get; } = url;

    /// <summary>
    /// Starts on <paramref name="port"/>, or on any free port when that one is taken (0: any). OTLP is accepted only
    /// with <paramref name="otlpApiKey"/> in the <c>x-otlp-api-key</c> header.
    /// </summary>
    public static async Task<DashboardServer> StartAsync(DistributedApplication stack, ResourceOutput output, int port, string? upstream,
        string otlpApiKey, CancellationToken cancellationToken)
    {
        try
        {
            return await StartOnAsync(stack, output, port, upstream, otlpApiKey, cancellationToken);
        }
        catch (IOException) when (port != 0)
        {
            // Another AppHost (or anything else) has the port: the printed URL says where this one is.
            return await StartOnAsync(stack, output, 0, upstream, otlpApiKey, cancellationToken);
        }
    }

    private static async Task<DashboardServer> StartOnAsync(DistributedApplication stack, ResourceOutput output, int port, string? upstream,
        string otlpApiKey, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        // The AppHost's console is for the resources' output; the AppHost's own signal handling stops the dashboard.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(stack);
        builder.Services.AddSingleton(output);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TraceStore>();
        builder.Services.AddSingleton<MetricStore>();
        builder.Services.AddSingleton<RaceBoard>();
        builder.Services.AddHostedService(s => s.GetRequiredService<RaceBoard>());
        builder.Services.AddSingleton(new OtlpForwarder(upstream));
        builder.Services.AddHostedService(s => s.GetRequiredService<OtlpForwarder>());

        var web = builder.Build();
        web.UseStatusCodePages();
        web.MapOtlpReceiver(otlpApiKey);
        web.MapDashboardApi();
        try
        {
            await web.StartAsync(cancellationToken);
        }
        catch
        {
            await web.DisposeAsync();
            throw;
        }
        return new DashboardServer(web, web.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        await web.StopAsync();
        await web.DisposeAsync();
    }

    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
