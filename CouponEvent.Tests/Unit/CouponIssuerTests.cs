using CouponEvent.Data;
using CouponEvent.Data.Messages;

namespace CouponEvent.Tests.Unit;

/// <summary>Which new applications fit under an event's quantity. The guard in MySQL itself: QuantityGuardTests.</summary>
public sealed class CouponIssuerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Users admitted one millisecond apart, in the order given.</summary>
    private static List<CouponApplication> Admitted(params long[] users) =>
        users.Select((user, i) => CouponApplication.Create(Guid.CreateVersion7(), "e1", $"{user}", Start.AddMilliseconds(i))).ToList();

    [Fact]
    public void With_room_for_all_every_application_fits()
    {
        var (fits, refused) = CouponIssuer.FitUnderQuantity(Admitted(1, 2, 3), quantity: 10, issued: 7);

        Assert.Equal(["1", "2", "3"], fits.Select(a => a.UserId));
        Assert.Empty(refused);
    }

    [Fact]
    public void Over_the_room_the_earliest_admissions_fit_whatever_order_they_arrive_in()
    {
        var applications = Admitted(1, 2, 3, 4);
        applications.Reverse();

        var (fits, refused) = CouponIssuer.FitUnderQuantity(applications, quantity: 10, issued: 8);

        Assert.Equal(["1", "2"], fits.Select(a => a.UserId));
        Assert.Equal(["3", "4"], refused.Select(a => a.UserId));
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(10, 12)]
    public void A_full_or_over_issued_event_fits_none(int quantity, int issued)
    {
        var (fits, refused) = CouponIssuer.FitUnderQuantity(Admitted(1, 2), quantity, issued);

        Assert.Empty(fits);
        Assert.Equal(2, refused.Count);
    }
}
