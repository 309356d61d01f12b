using System.Text;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
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
        var application = CouponApplication.Create(Guid.NewGuid(), eventId, 99, DateTimeOffset.UtcNow);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = stack.KafkaBootstrapServers }).Build())
        {
            await producer.ProduceAsync(Topics.CouponCreate, new Message<string, byte[]> { Key = application.Key, Value = application.ToUtf8Json() });
        }
        await Eventually.HoldsAsync(async () => await stack.Database.ScalarAsync(
            "SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND status = 0", ("@e", eventId)) == 1);
        Assert.Equal(0, await stack.Database.CouponCountAsync(eventId));

        // The cause goes away; the next retry issues the coupon and resolves the row.
        await stack.Database.ScalarAsync("INSERT INTO events (id, name, quantity, created_at) VALUES (@e, 'late', 1, UTC_TIMESTAMP(6))", ("@e", eventId));

        Assert.Equal([99L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
        await Eventually.HoldsAsync(async () => await stack.Database.ScalarAsync(
            "SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND status = 1", ("@e", eventId)) == 1);
    }

    [Fact]
    public async Task Two_retry_job_replicas_racing_over_the_same_failed_events_handle_each_exactly_once()
    {
        const int rows = 400;
        Assert.Equal(2, (await stack.Resources.ReplicaIdsAsync("retryjob")).Length);
        var eventId = await stack.CreateEventAsync(quantity: rows);
        var values = new StringBuilder();
        for (var user = 1; user <= rows; user++)
        {
            if (user > 1) values.Append(',');
            values.Append($"(UUID(), @e, {user}, 'test', 1, 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))");
        }

        await stack.Database.ScalarAsync($"""
            INSERT INTO failed_events (application_id, event_id, user_id, error, attempts, status, next_attempt_at, created_at, updated_at)
            VALUES {values}
            """, ("@e", eventId));

        Assert.Equal(rows, (await stack.Database.WaitForCouponsAsync(eventId, rows)).Count);
        await Eventually.HoldsAsync(async () => await stack.Database.ScalarAsync(
            "SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND status = 1", ("@e", eventId)) == rows);
        // Each row was claimed once: one attempt added to the consumer's one. SKIP LOCKED at work.
        Assert.Equal(rows, await stack.Database.ScalarAsync(
            "SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND attempts = 2", ("@e", eventId)));
    }

    [Fact]
    public async Task A_failed_event_out_of_attempts_is_parked_not_dropped()
    {
        var eventId = $"p-{Guid.NewGuid():N}"[..20];
        // Nine attempts made, the event still missing: the tenth (the default maximum) parks it.
        await stack.Database.ScalarAsync("""
            INSERT INTO failed_events (application_id, event_id, user_id, error, attempts, status, next_attempt_at, created_at, updated_at)
            VALUES (UUID(), @e, 5, 'test', 9, 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))
            """, ("@e", eventId));

        await Eventually.HoldsAsync(async () => await stack.Database.ScalarAsync(
            "SELECT COUNT(*) FROM failed_events WHERE event_id = @e AND status = 2 AND attempts = 10", ("@e", eventId)) == 1);
        Assert.Equal(0, await stack.Database.CouponCountAsync(eventId));
    }
}
