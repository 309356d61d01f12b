using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every CouponEvent service shares, as in Aspire's ServiceDefaults template: OpenTelemetry, health checks,
/// service discovery and resilient HttpClients.
/// </summary>
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddDefaultProblemDetails();
        // The resilience handler logs every attempt at Information, and the OTLP exporter's HttpClient sends every second.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Each service's own ActivitySource and Meter are named after the service (see its Telemetry class).
        var serviceName = builder.Environment.ApplicationName;

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(serviceName, "MySqlConnector"))
            .WithTracing(tracing => tracing
                .AddSource(serviceName, "MySqlConnector")
                .AddProcessor<BackgroundQueryFilter>()
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Health probes every few seconds would drown the traces that matter.
                    aspNetCore.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath) &&
                        !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }
        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>
    /// <c>/</c>: what the service is and where its endpoints are, so that the address the dashboard links to answers
    /// a person who opens it.
    /// </summary>
    public static WebApplication MapServiceIndex(this WebApplication app, string summary, params string[] endpoints)
    {
        var index = new ServiceIndex(app.Environment.ApplicationName, summary, [.. endpoints, HealthEndpointPath, AlivenessEndpointPath]);
        app.MapGet("/", () => TypedResults.Ok(index)).ExcludeFromDescription();
        return app;
    }

    private sealed record ServiceIndex(string Service, string Summary, string[] Endpoints);

    /// <summary><c>/health</c>: every check (ready to serve). <c>/alive</c>: the process itself (restart if not).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });
        return app;
    }
}
