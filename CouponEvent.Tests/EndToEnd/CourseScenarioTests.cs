using System.Net;
using CouponEvent.Tests.Infrastructure;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>The course's two tests, over HTTP against the running stack, checked in MySQL.</summary>
[Collection("stack")]
public sealed class CourseScenarioTests(StackFixture stack)
{
    [Fact(DisplayName = "한번만응모: one application gives one coupon row")]
    public async Task One_application_gives_one_coupon_row()
    {
        var eventId = await stack.CreateEventAsync(quantity: 100);

        using var response = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, 1);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal([1L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
    }

    [Fact(DisplayName = "여러명응모: 1,000 users from 32 workers give exactly 100 coupons and 900 410s")]
    public async Task A_thousand_users_race_for_the_default_events_hundred_coupons()
    {
        // The default event, as the course runs it: 100 coupons, always open, there from start-up. The stack is shared:
        // if an earlier test restarted Redis, the event answers 503 event-recovering for a few seconds, and users try again.
        var race = await stack.Applicants.RaceUntilAnsweredAsync(stack.ApplyApi, "default", Enumerable.Range(1, 1000).Select(i => (long)i).ToList(), workers: 32);

        Assert.True(race.Count(HttpStatusCode.Accepted) == 100, race.ToString());
        Assert.Equal(900, race.Count(HttpStatusCode.Gone));
        var coupons = await stack.Database.WaitForCouponsAsync("default", expected: 100);
        Assert.Equal(100, coupons.Count);
        Assert.Equal(race.Accepted, coupons);
    }
}
