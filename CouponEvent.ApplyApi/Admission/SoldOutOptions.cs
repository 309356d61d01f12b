using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Admission;

/// <summary>Section <c>SoldOut</c>: how instances remember winners and sold-out events (<see cref="RememberedAnswers"/>).</summary>
public sealed class SoldOutOptions
{
    /// <summary>
    /// How often a sold-out event's winner count is checked against Redis, and the winners remembered before a sell-out
    /// are forgotten, in case an announcement was lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Sold-out events with more coupons than this are not remembered, nor more winners of an event before its sell-out
    /// (their sets would cost memory); Redis answers them.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxCachedWinners { get; set; } = 1_000_000;
}
