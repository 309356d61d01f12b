using CouponEvent.RetryJob.Retrying;

namespace CouponEvent.Tests.Unit;

public sealed class RetryOptionsTests
{
    [Fact]
    public void The_delay_doubles_with_each_attempt_up_to_the_cap()
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(60) };

        var delays = Enumerable.Range(1, 6).Select(options.DelayAfter).Select(d => d.TotalSeconds);

        Assert.Equal([5, 10, 20, 40, 60, 60], delays);
    }

    [Fact]
    public void A_huge_attempt_count_does_not_overflow()
    {
        var options = new RetryOptions();
        Assert.Equal(options.MaxDelay, options.DelayAfter(1000));
    }
}
