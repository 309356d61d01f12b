using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using CouponEvent.AppHost.Dashboard;
using CouponEvent.AppHost.Dashboard.Otlp;
using CouponEvent.AppHost.Hosting;
using CouponEvent.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OtlpResource = CouponEvent.AppHost.Dashboard.Otlp.Resource;

namespace CouponEvent.Tests.Integration;

/// <summary>
/// The dashboard as a collector in the middle: what the services send it goes on, byte for byte, to the collector
/// named by <c>--otlp-endpoint</c> (in containers mode, the Aspire dashboard), and is shown here as well.
/// </summary>
public sealed class OtlpForwardingTests : IAsyncLifetime
{
    private const string ApiKey = "the-apphosts-key";
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _received = new();
    private WebApplication _upstream = null!;
    private DashboardServer _dashboard = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _upstream = builder.Build();
        _upstream.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            _received.Enqueue(($"/v1/{signal}", body.ToArray()));
            return Results.Ok();
        });
        await _upstream.StartAsync();

        var stack = new DistributedApplication([], new AppHostOptions());
        _dashboard = await DashboardServer.StartAsync(stack, new ResourceOutput(), port: 0, upstream: _upstream.Urls.First(), ApiKey, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _dashboard.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_span_sent_to_the_dashboard_is_shown_and_passed_on_unchanged()
    {
        var traceId = Guid.NewGuid().ToByteArray();
        var body = OneSpan(traceId);
        using var http = new HttpClient { BaseAddress = new Uri(_dashboard.Url) };

        using var response = await PostAsync(http, body, ApiKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(!_received.IsEmpty), TimeSpan.FromSeconds(10));
        var (path, forwarded) = Assert.Single(_received);
        Assert.Equal("/v1/traces", path);
        Assert.Equal(body, forwarded);
        using var shown = await http.GetAsync($"/api/traces/{Convert.ToHexString(traceId).ToLowerInvariant()}");
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
    }

    [Fact]
    public async Task Telemetry_without_the_apphosts_key_is_refused_and_goes_nowhere()
    {
        var traceId = Guid.NewGuid().ToByteArray();
        using var http = new HttpClient { BaseAddress = new Uri(_dashboard.Url) };

        using var without = await PostAsync(http, OneSpan(traceId), key: null);
        using var wrong = await PostAsync(http, OneSpan(traceId), key: "guess");

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        using var shown = await http.GetAsync($"/api/traces/{Convert.ToHexString(traceId).ToLowerInvariant()}");
        Assert.Equal(HttpStatusCode.NotFound, shown.StatusCode);
        await Task.Delay(500);
        Assert.Empty(_received);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/traces")
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-protobuf") } },
        };
        if (key is not null) request.Headers.Add(OtlpReceiver.ApiKeyHeader, key);
        return http.SendAsync(request);
    }

    private static byte[] OneSpan(byte[] traceId) => new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = new OtlpResource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "applyapi" } } } },
                    ScopeSpans = { new ScopeSpans { Spans = { new Span { TraceId = ByteString.CopyFrom(traceId), SpanId = ByteString.CopyFrom(new byte[8] { 1, 2, 3, 4, 5, 6, 7, 8 }), Name = "POST /api/events/{eventId}/applications" } } } },
                },
            },
        }.ToByteArray();
}
