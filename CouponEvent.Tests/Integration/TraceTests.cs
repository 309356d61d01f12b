using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net;
using CouponEvent.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OpenTelemetry.Trace;

namespace CouponEvent.Tests.Integration;

/// <summary>One application, one trace: ApplyApi's request, admission and publish, then the Consumer's span for it.</summary>
[Collection("stack")]
public sealed class TraceTests(StackFixture stack)
{
    [Fact]
    public async Task One_application_is_one_trace_from_the_HTTP_request_through_Kafka_to_the_consumer()
    {
        var apiSpans = new Spans();
        var consumerSpans = new Spans();
        await using var api = new ApplyApiFactory(stack, web => web.ConfigureServices(services =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(apiSpans))));
        await using var consumer = new ConsumerFactory(stack, consumerSpans);
        _ = consumer.Services; // starts the Consumer in this process, in a consumer group of its own
        using var client = api.CreateClient();
        var eventId = await stack.CreateEventAsync(quantity: 1000);

        // The test's consumer starts at the end of the topic: until it has its partitions an application can pass it
        // by, so users keep applying until one application's span shows up in the Consumer.
        var applied = new HashSet<string>();
        var sinceLast = Stopwatch.StartNew();
        var processed = await Eventually.ReturnsAsync(async () =>
        {
            // One more user a second, while none of them has shown up.
            if (applied.Count == 0 || sinceLast.Elapsed > TimeSpan.FromSeconds(1))
            {
                using var response = await stack.Applicants.ApplyAsync(client, eventId, applied.Count + 1);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                applied.Add($"{eventId}:{applied.Count + 1}");
                sinceLast.Restart();
            }
            return consumerSpans.Snapshot().FirstOrDefault(s => s.GetTagItem("messaging.kafka.message.key") is string key && applied.Contains(key));
        }, span => span is not null, TimeSpan.FromSeconds(60));

        Assert.NotNull(processed);
        var trace = apiSpans.Snapshot().Where(s => s.TraceId == processed.TraceId).ToList();
        var request = Assert.Single(trace, s => s.Kind == ActivityKind.Server);
        Assert.Equal("admitted", request.GetTagItem("coupon.outcome"));
        var admission = Assert.Single(trace, s => s.DisplayName == "FCALL admit");
        var publish = Assert.Single(trace, s => s.Kind == ActivityKind.Producer);
        Assert.Equal(request.SpanId, admission.ParentSpanId);
        Assert.Equal(request.SpanId, publish.ParentSpanId);
        Assert.Equal("coupon_create", publish.GetTagItem("messaging.destination.name"));

        // The Consumer's span for this application is the publish span's child, linked to the batch that wrote it,
        // and the batch's INSERT is MySqlConnector's span under the batch span.
        Assert.Equal(ActivityKind.Consumer, processed.Kind);
        Assert.Equal(publish.SpanId, processed.ParentSpanId);
        var batch = Assert.Single(consumerSpans.Snapshot(), s => s.SpanId == Assert.Single(processed.Links).Context.SpanId);
        Assert.Contains(batch.Links, link => link.Context.SpanId == publish.SpanId);
        await Eventually.HoldsAsync(() => Task.FromResult(consumerSpans.Snapshot()
            .Any(s => s.Source.Name == "MySqlConnector" && s.ParentSpanId == batch.SpanId)), TimeSpan.FromSeconds(10));
    }

    /// <summary>The Consumer in the test process, wired to the stack's Kafka, MySQL and Redis, with its own consumer group.</summary>
    private sealed class ConsumerFactory(StackFixture stack, Spans spans) : WebApplicationFactory<CouponEvent.Consumer.Issuing.CouponConsumer>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("ConnectionStrings:kafka", stack.KafkaBootstrapServers);
            builder.UseSetting("ConnectionStrings:coupondb", stack.MySqlConnectionString);
            builder.UseSetting("ConnectionStrings:redis", stack.RedisConnectionString);
            builder.UseSetting("Consumer:GroupId", $"trace-test-{Guid.NewGuid():N}");
            builder.UseSetting("Kafka:Consumer:auto.offset.reset", "latest");
            builder.ConfigureServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        }
    }

    /// <summary>The exporter adds from the threads that end spans; the test reads snapshots.</summary>
    private sealed class Spans : Collection<Activity>
    {
        protected override void InsertItem(int index, Activity item)
        {
            lock (this) base.InsertItem(index, item);
        }

        public Activity[] Snapshot()
        {
            lock (this) return [.. this];
        }
    }
}
