using CouponEvent.RetryJob.Reconciling;

namespace CouponEvent.Tests.Unit;

/// <summary>
/// Which winners reconciliation issues from Redis's record. It frees none: a winner holds its slot for good.
/// End to end: ReconciliationTests, and FaultInjectionTests' UnreadMessagesDeleted.
/// </summary>
public sealed class ReconciliationRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    /// <summary>A version 7 GUID (N format) admitted at <paramref name="at"/>, as ApplyApi makes them.</summary>
    private static string AdmittedAt(DateTimeOffset at) => Guid.CreateVersion7(at).ToString("N");

    [Fact]
    public void A_winner_past_the_grace_with_nothing_in_MySQL_is_issued_from_its_record()
    {
        var application = AdmittedAt(Now.AddMinutes(-5));

        var (toIssue, unissued) = Reconciler.Judge("e1", new Dictionary<string, string> { ["7"] = application }, new HashSet<string>(), Now, Grace);

        var issued = Assert.Single(toIssue);
        Assert.Equal((Guid.ParseExact(application, "N"), "e1", "7"), (issued.ApplicationId, issued.EventId, issued.UserId));
        Assert.Equal(Now.AddMinutes(-5).ToUnixTimeMilliseconds(), issued.AdmittedAt.ToUnixTimeMilliseconds());
        Assert.Equal(1, unissued);
    }

    [Fact]
    public void A_winner_within_the_grace_is_left_on_its_way()
    {
        var (toIssue, unissued) = Reconciler.Judge("e1", new Dictionary<string, string> { ["7"] = AdmittedAt(Now.AddSeconds(-59)) },
            new HashSet<string>(), Now, Grace);

        Assert.Empty(toIssue);
        Assert.Equal(1, unissued);
    }

    [Fact]
    public void A_winner_with_a_coupon_or_a_failed_event_is_left_to_them()
    {
        var old = AdmittedAt(Now.AddHours(-1));

        var (toIssue, unissued) = Reconciler.Judge("e1", new Dictionary<string, string> { ["7"] = old, ["8"] = old }, new HashSet<string> { "7", "8" }, Now, Grace);

        Assert.Empty(toIssue);
        Assert.Equal(0, unissued);
    }

    [Fact]
    public void A_winner_whose_admission_time_cannot_be_read_is_only_reported()
    {
        var (toIssue, unissued) = Reconciler.Judge("e1", new Dictionary<string, string> { ["7"] = Guid.NewGuid().ToString("N"), ["8"] = "not-a-guid" },
            new HashSet<string>(), Now, Grace);

        Assert.Empty(toIssue);
        Assert.Equal(2, unissued);
    }

    [Fact]
    public void Only_the_winners_past_the_grace_are_issued_from_a_mixed_event()
    {
        var winners = new Dictionary<string, string>
        {
            ["1"] = AdmittedAt(Now.AddMinutes(-10)), // lost by Kafka, or never sent
            ["2"] = AdmittedAt(Now.AddMinutes(-10)), // issued by the Consumer
            ["3"] = AdmittedAt(Now.AddSeconds(-1)), // still on its way
            ["4"] = AdmittedAt(Now.AddMinutes(-2)), // a pending mark: its publish's outcome unknown
        };

        var (toIssue, unissued) = Reconciler.Judge("e1", winners, new HashSet<string> { "2" }, Now, Grace);

        Assert.Equal(["1", "4"], toIssue.Select(a => a.UserId).Order());
        Assert.Equal(3, unissued);
    }
}
