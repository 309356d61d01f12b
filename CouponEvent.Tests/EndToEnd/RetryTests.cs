using Confluent.Kafka;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>Failed events: made by the consumer, retried by the RetryJob (two replicas in this stack).</summary>
[Collection("stack")]
public sealed class RetryTests(StackFixture stack)
{
    [Fact]
    public async Task An_application_the_consumer_cannot_issue_becomes_a_failed_event_and_the_retry_job_issues_it_later()
    {
        // An application for an event MySQL does not know yet: the coupon row would break the foreign key.
        var eventId = $"r-{Guid.NewGuid():N}"[..20];
        var application = CouponApplication.Create(Guid.NewGuid(), eventId, "99", DateTimeOffset.UtcNow);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = stack.KafkaBootstrapServers }).Build())
        {
            await producer.ProduceAsync(Topics.CouponCreate, new Message<string, byte[]> { Key = application.Key, Value = application.ToUtf8Json() });
        }
        await Eventually.HoldsAsync(async () => await stack.Database.FailedEventCountAsync(eventId, FailedEventStatus.Pending) == 1);
        Assert.Equal(0, await stack.Database.CouponCountAsync(eventId));

        // The cause goes away; the next retry issues the coupon and resolves the row.
        await stack.Database.ScalarAsync("INSERT INTO events (id, name, quantity, created_at) VALUES (@e, 'late', 1, UTC_TIMESTAMP(6))", ("@e", eventId));

        Assert.Equal([99L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
        await Eventually.HoldsAsync(async () => await stack.Database.FailedEventCountAsync(eventId, FailedEventStatus.Resolved) == 1);
    }

    [Fact]
    public async Task Two_retry_job_replicas_racing_over_the_same_failed_events_both_claim_rows_and_handle_each_exactly_once()
    {
        const int rows = 600;
        var eventId = await stack.CreateEventAsync(quantity: rows);
        await using var replicas = await ReplicaLogs.FollowAsync(stack.App, "retryjob");
        Assert.Equal(2, replicas.Lines.Count);

        await stack.Database.InsertFailedEventsAsync(eventId, Enumerable.Range(1, rows).Select(user => (long)user));

        Assert.Equal(rows, (await stack.Database.WaitForCouponsAsync(eventId, rows)).Count);
        await Eventually.HoldsAsync(async () => await stack.Database.FailedEventCountAsync(eventId, FailedEventStatus.Resolved) == rows);
        // Each row was claimed once: one attempt added to the consumer's one. SKIP LOCKED at work.
        Assert.Equal(rows, await stack.Database.FailedEventCountAsync(eventId, FailedEventStatus.Resolved, attempts: 2));
        // And both replicas took their share: each logs every application it issues.
        await Eventually.HoldsAsync(() => Task.FromResult(replicas.Count($"event {eventId})").Values.Sum() == rows));
        var claimed = replicas.Count($"event {eventId})");
        Assert.All(claimed.Values, count => Assert.True(count > 0, $"A replica issued nothing: {string.Join(", ", claimed)}"));
    }

    [Fact]
    public async Task A_failed_event_out_of_attempts_is_parked_not_dropped()
    {
        var eventId = $"p-{Guid.NewGuid():N}"[..20];
        // Nine attempts made, the event still missing: the tenth (the default maximum) parks it.
        await stack.Database.InsertFailedEventsAsync(eventId, [5L], attempts: 9);

        await Eventually.HoldsAsync(async () => await stack.Database.FailedEventCountAsync(eventId, FailedEventStatus.Parked, attempts: 10) == 1);
        Assert.Equal(0, await stack.Database.CouponCountAsync(eventId));
    }
}
