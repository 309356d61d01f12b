using System.Net;
using System.Net.Http.Json;
using Confluent.Kafka;
using CouponEvent.Data.Messages;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

[Collection("stack")]
public sealed class RaceTests(StackFixture stack)
{
    [Fact]
    public async Task One_user_applying_fifty_times_at_once_gets_exactly_one_coupon()
    {
        var eventId = await stack.CreateEventAsync(quantity: 100);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var response = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, 42);
            return response.StatusCode;
        }));

        // The rest: 409, or 429 once the user is over its own rate (RateLimit:Subject...).
        Assert.Equal(1, answers.Count(a => a == HttpStatusCode.Accepted));
        Assert.Equal(49, answers.Count(a => a is HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests));
        Assert.Equal([42L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
    }

    [Fact]
    public async Task Two_events_racing_at_once_each_end_exactly_full_with_their_own_winners()
    {
        var first = await stack.CreateEventAsync(quantity: 30);
        var second = await stack.CreateEventAsync(quantity: 70);
        var users = Enumerable.Range(1, 300).Select(i => (long)i).ToList();

        var races = await Task.WhenAll(
            stack.Applicants.RaceAsync(stack.ApplyApi, first, users, workers: 16),
            stack.Applicants.RaceAsync(stack.ApplyApi, second, users, workers: 16));

        Assert.Equal(30, races[0].Accepted.Count);
        Assert.Equal(70, races[1].Accepted.Count);
        Assert.Equal(races[0].Accepted, await stack.Database.WaitForCouponsAsync(first, expected: 30));
        Assert.Equal(races[1].Accepted, await stack.Database.WaitForCouponsAsync(second, expected: 70));
    }

    [Theory]
    [InlineData(1, 50)]
    [InlineData(10_000, 10_500)]
    public async Task An_event_ends_exactly_full(int quantity, int users)
    {
        var eventId = await stack.CreateEventAsync(quantity);

        var race = await stack.Applicants.RaceAsync(stack.ApplyApi, eventId, Enumerable.Range(1, users).Select(i => (long)i).ToList(), workers: 64);

        Assert.True(race.Accepted.Count == quantity, race.ToString());
        Assert.Equal(users - quantity, race.Count(HttpStatusCode.Gone));
        Assert.Equal(race.Accepted, await stack.Database.WaitForCouponsAsync(eventId, quantity));

        // The summary's issued count is MySQL's as ApplyApi last listed the live events: within a second.
        var summary = await Eventually.ReturnsAsync(() => stack.ApplyApi.GetFromJsonAsync<EventSummaryDto>($"/api/events/{eventId}"),
            s => s?.Issued == quantity, TimeSpan.FromSeconds(10));
        Assert.Equal(new EventSummaryDto(quantity, quantity, quantity, 0, true), summary);
    }

    [Fact]
    public async Task One_events_applications_land_on_every_partition_so_every_consumer_replica_shares_its_race()
    {
        // Long enough a race for the publishers' partitioning windows to go round every partition (WindowPartitioner).
        const int users = 1000;
        var eventId = await stack.CreateEventAsync(quantity: users);
        using var reader = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = stack.KafkaBootstrapServers,
            GroupId = $"partition-reader-{eventId}",
            EnableAutoCommit = false,
        }).Build();
        var partitions = Enumerable.Range(0, Topics.CouponCreatePartitions).Select(p => new TopicPartition(Topics.CouponCreate, p)).ToList();
        var starts = partitions.Select(p => new TopicPartitionOffset(p, reader.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High)).ToList();

        var race = await stack.Applicants.RaceAsync(stack.ApplyApi, eventId, Enumerable.Range(1, users).Select(i => (long)i).ToList());
        Assert.Equal(users, race.Accepted.Count);

        // Every message published since, read back partition by partition; this event's, counted per partition.
        var ends = partitions.ToDictionary(p => p, p => reader.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        reader.Assign(starts);
        var perPartition = new Dictionary<int, int>();
        var position = starts.ToDictionary(s => s.TopicPartition, s => s.Offset.Value);
        while (position.Any(p => p.Value < ends[p.Key]))
        {
            var message = reader.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException("The topic stopped answering.");
            position[message.TopicPartition] = message.Offset.Value + 1;
            if (CouponApplication.TryParse(message.Message.Value, out var application, out _) && application!.EventId == eventId)
                perPartition[message.Partition.Value] = perPartition.GetValueOrDefault(message.Partition.Value) + 1;
        }

        Assert.Equal(users, perPartition.Values.Sum());
        Assert.Equal(Enumerable.Range(0, Topics.CouponCreatePartitions), perPartition.Keys.Order());
    }

    private sealed record EventSummaryDto(int Quantity, long Admitted, long Issued, long Remaining, bool SoldOut);
}
