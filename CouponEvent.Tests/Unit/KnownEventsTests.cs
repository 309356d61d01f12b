using CouponEvent.ApplyApi.Events;
using CouponEvent.Data.Model;

namespace CouponEvent.Tests.Unit;

/// <summary>
/// What ApplyApi knows of the events without asking MySQL: an event is never unknown (a false 404) while it moves
/// between live and settled, in either direction, or just after it was created.
/// </summary>
public sealed class KnownEventsTests
{
    [Fact]
    public void An_event_settled_between_the_two_reads_is_settled_not_unknown()
    {
        var known = new KnownEvents();
        known.Refresh([E("a")], []);

        // Listed live, then listed among the newly settled: it settled in between.
        known.Refresh([E("a")], [("a", SettledReasons.Closed)]);
        Assert.Equal(SettledReasons.Closed, known.SettledReason("a"));

        // No longer listed live, and not listed again as newly settled: still settled.
        known.Refresh([], []);
        Assert.Equal(SettledReasons.Closed, known.SettledReason("a"));
        Assert.True(known.Contains("a"));
    }

    [Fact]
    public void A_settled_event_listed_live_again_is_live_and_settles_again()
    {
        var known = new KnownEvents();
        known.Refresh([], [("a", SettledReasons.SoldOut)]);

        known.Refresh([E("a")], []);
        Assert.Null(known.SettledReason("a"));
        Assert.True(known.Contains("a"));

        known.Refresh([], [("a", SettledReasons.Closed)]);
        Assert.Equal(SettledReasons.Closed, known.SettledReason("a"));
    }

    [Fact]
    public void An_event_created_after_the_listing_stays_known_until_a_listing_has_it()
    {
        var known = new KnownEvents();
        known.Add(E("new"));
        known.Refresh([E("other")], []);
        Assert.True(known.Contains("new"));

        known.Refresh([E("other"), E("new")], []);
        known.Refresh([E("other")], [("new", SettledReasons.Closed)]);
        Assert.True(known.Contains("new"));
        Assert.False(known.Contains("never"));
    }

    private static Event E(string id) => new() { Id = id, Name = id, Quantity = 1 };
}
