using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
using CouponEvent.Data.Model;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

[Collection("stack")]
public sealed class DeadLetterAndParkingTests(StackFixture stack)
{
    [Fact]
    public async Task A_poison_message_goes_to_the_dead_letter_topic_with_its_reason_and_does_not_block_its_partition()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        var marker = Guid.NewGuid().ToString("N");
        var valid = CouponApplication.Create(Guid.NewGuid(), eventId, "11", DateTimeOffset.UtcNow);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = stack.KafkaBootstrapServers }).Build())
        {
            // Both on partition 0: the valid message waits behind the poison one.
            var partition = new TopicPartition(Topics.CouponCreate, new Partition(0));
            await producer.ProduceAsync(partition, new Message<string, byte[]> { Key = valid.Key, Value = Encoding.UTF8.GetBytes($"garbage {marker}") });
            await producer.ProduceAsync(partition, new Message<string, byte[]> { Key = valid.Key, Value = valid.ToUtf8Json() });
        }

        Assert.Equal([11L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));

        using var dlt = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = $"dlt-reader-{marker}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        dlt.Subscribe(Topics.CouponCreateDeadLetter);
        var found = await Eventually.ReturnsAsync(() => Task.FromResult(dlt.Consume(TimeSpan.FromMilliseconds(500))),
            result => result is not null && Encoding.UTF8.GetString(result.Message.Value).Contains(marker), TimeSpan.FromSeconds(30));
        Assert.StartsWith("not a CouponApplication", Encoding.UTF8.GetString(found!.Message.Headers.GetLastBytes("dlt.reason")));
        Assert.StartsWith($"{Topics.CouponCreate} [[0]]", Encoding.UTF8.GetString(found.Message.Headers.GetLastBytes("dlt.source")));
        dlt.Close();
    }

    [Fact]
    public async Task A_parked_failed_event_is_listed_for_operators_and_a_redrive_issues_it()
    {
        var eventId = await stack.CreateEventAsync(quantity: 5);
        await stack.Database.InsertFailedEventsAsync(eventId, [21L], FailedEventStatus.Parked, attempts: 10);

        var parked = await stack.ApplyApi.GetFromJsonAsync<JsonElement[]>($"/api/admin/failed-events?status=parked&eventId={eventId}");
        var row = Assert.Single(parked!);
        Assert.Equal("parked", row.GetProperty("status").GetString());
        var id = row.GetProperty("id").GetInt64();

        using var redrive = await stack.ApplyApi.PostAsync($"/api/admin/failed-events/{id}/redrive", null);
        Assert.Equal(HttpStatusCode.OK, redrive.StatusCode);
        Assert.Equal([21L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));

        using var again = await stack.ApplyApi.PostAsync($"/api/admin/failed-events/{id}/redrive", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var missing = await stack.ApplyApi.PostAsync("/api/admin/failed-events/999999999/redrive", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var anonymous = stack.App.CreateHttpClient("applyapi");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/failed-events")).StatusCode);
    }
}
