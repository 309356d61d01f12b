using CouponEvent.AppHost.Dashboard;
using CouponEvent.AppHost.Dashboard.Otlp;
using Google.Protobuf;

namespace CouponEvent.Tests.Unit;

public sealed class TraceStoreTests
{
    [Fact]
    public void A_burst_of_refusals_does_not_push_a_winners_trace_out_of_the_window()
    {
        var store = new TraceStore();
        store.Add(Request(Application(userId: 7, "admitted")));
        for (var user = 1000; user < 1000 + TraceStore.MaxRefusals + 500; user++) store.Add(Request(Application(user, "sold_out")));

        var winner = Assert.Single(store.Search("7"));
        Assert.Equal("admitted", winner.Outcome);
        // The oldest refusals made room for the newest.
        Assert.Empty(store.Search("1000"));
        Assert.Single(store.Search($"{1000 + TraceStore.MaxRefusals + 499}"));
    }

    [Fact]
    public void Search_by_user_id_matches_whole_ids_only_and_lists_the_newest_first()
    {
        var store = new TraceStore();
        foreach (var user in new[] { 5, 15, 5 }) store.Add(Request(Application(user, "duplicate")));

        var found = store.Search("5");

        Assert.Equal(2, found.Count);
        Assert.All(found, t => Assert.Equal("5", t.UserId));
        Assert.True(found[0].StartMs >= found[1].StartMs);
    }

    private static long _clock = 1_000_000;

    private static Span Application(long userId, string outcome)
    {
        var start = (ulong)Interlocked.Increment(ref _clock) * 1_000_000;
        return new Span
        {
            TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
            SpanId = ByteString.CopyFrom(BitConverter.GetBytes(Random.Shared.NextInt64())),
            Name = "POST /api/events/{eventId}/applications",
            Kind = Span.Types.SpanKind.Server,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 500_000,
            Attributes =
            {
                new KeyValue { Key = "coupon.user_id", Value = new AnyValue { IntValue = userId } },
                new KeyValue { Key = "coupon.outcome", Value = new AnyValue { StringValue = outcome } },
            },
        };
    }

    private static ExportTraceServiceRequest Request(Span span) => new()
    {
        ResourceSpans =
        {
            new ResourceSpans
            {
                Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "applyapi" } } } },
                ScopeSpans = { new ScopeSpans { Spans = { span } } },
            },
        },
    };
}
