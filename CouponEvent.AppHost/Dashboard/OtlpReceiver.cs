using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using CouponEvent.AppHost.Dashboard.Otlp;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace CouponEvent.AppHost.Dashboard;

/// <summary>
/// OTLP over HTTP with protobuf bodies (what the services' exporter sends with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>):
/// <c>POST /v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>. Each body is kept for the dashboard and, when an upstream
/// collector is configured (the Aspire dashboard in containers mode, or <c>--otlp-endpoint</c>), passed on unchanged.
/// </summary>
public static class OtlpReceiver
{
    /// <summary>The header Aspire's dashboard reads its OTLP key from; the services send it via <c>OTEL_EXPORTER_OTLP_HEADERS</c>.</summary>
    public const string ApiKeyHeader = "x-otlp-api-key";
    private const string Protobuf = "application/x-protobuf";
    private const int MaxBody = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOtlpReceiver(this IEndpointRouteBuilder app, string apiKey)
    {
        var key = Encoding.UTF8.GetBytes(apiKey);
        var otlp = app.MapGroup("/v1").DisableAntiforgery().AddEndpointFilter(async (context, next) =>
            // Any local process can reach a loopback port: only the AppHost's own services may write telemetry.
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers[ApiKeyHeader].ToString()), key)
                ? await next(context)
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, type: "urn:couponevent:invalid-otlp-key",
                    title: "OTLP needs the AppHost's key.", detail: $"Send the {ApiKeyHeader} header that the AppHost gave the services in OTEL_EXPORTER_OTLP_HEADERS."));
        otlp.MapPost("/traces", (HttpRequest request, TraceStore traces, OtlpForwarder forwarder) =>
            ReceiveAsync(request, ExportTraceServiceRequest.Parser, traces.Add, forwarder, "traces"));
        otlp.MapPost("/metrics", (HttpRequest request, MetricStore metrics, OtlpForwarder forwarder) =>
            ReceiveAsync(request, ExportMetricsServiceRequest.Parser, metrics.Add, forwarder, "metrics"));
        otlp.MapPost("/logs", (HttpRequest request, TraceStore traces, OtlpForwarder forwarder) =>
            ReceiveAsync(request, ExportLogsServiceRequest.Parser, traces.Add, forwarder, "logs"));
        return app;
    }

    private static async Task<IResult> ReceiveAsync<T>(HttpRequest request, MessageParser<T> parser, Action<T> store,
        OtlpForwarder forwarder, string signal) where T : IMessage<T>
    {
        if (request.ContentType?.Split(';')[0].Trim() != Protobuf)
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, type: "urn:couponevent:unsupported-media-type",
                title: "OTLP over HTTP with protobuf bodies only.", detail: $"Send Content-Type: {Protobuf} (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf).");

        byte[] body;
        try
        {
            body = await ReadAsync(request);
        }
        catch (InvalidDataException ex)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, type: "urn:couponevent:invalid-otlp", title: "The body could not be read.", detail: ex.Message);
        }

        T message;
        try
        {
            message = parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, type: "urn:couponevent:invalid-otlp",
                title: $"The body is not an OTLP {signal} export request.", detail: ex.Message);
        }
        store(message);
        forwarder.Forward(signal, body);
        // An empty Export*ServiceResponse: everything accepted.
        return Results.Bytes([], Protobuf);
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBody) throw new InvalidDataException($"Bodies up to {MaxBody / 1024 / 1024} MiB.");
        Stream source = request.Headers.ContentEncoding == "gzip" ? new GZipStream(request.Body, CompressionMode.Decompress) : request.Body;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + read > MaxBody) throw new InvalidDataException($"Bodies up to {MaxBody / 1024 / 1024} MiB.");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

/// <summary>
/// Passes received OTLP bodies on to an upstream collector, in the background. A slow or absent upstream costs the
/// services nothing: beyond a few hundred waiting bodies, new ones are dropped, as an exporter's own queue does.
/// </summary>
public sealed class OtlpForwarder(string? upstream) : BackgroundService
{
    private readonly Channel<(string Signal, byte[] Body)> _queue =
        Channel.CreateBounded<(string, byte[])>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropWrite });

    public string? Upstream { get; } = upstream?.TrimEnd('/');

    public void Forward(string signal, byte[] body)
    {
        if (Upstream is not null) _queue.Writer.TryWrite((signal, body));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Upstream is null) return;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await foreach (var (signal, body) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new("application/x-protobuf");
                using var _ = await http.PostAsync($"{Upstream}/v1/{signal}", content, stoppingToken);
            }
            catch (HttpRequestException)
            {
                // The upstream is away: telemetry is best effort, as between an exporter and its collector.
            }
            catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // A timeout: the same.
            }
        }
    }
}
