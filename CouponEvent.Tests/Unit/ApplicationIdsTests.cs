using CouponEvent.ApplyApi.Admission;

namespace CouponEvent.Tests.Unit;

/// <summary>The admission time a winner's application id carries, which status reads of recent winners rely on.</summary>
public sealed class ApplicationIdsTests
{
    [Fact]
    public void A_version_7_id_tells_when_it_was_made_to_the_millisecond()
    {
        var before = DateTimeOffset.UtcNow;
        var id = ApplicationIds.New();
        var after = DateTimeOffset.UtcNow;

        var admittedAt = ApplicationIds.AdmittedAt(id.ToString("N"));

        Assert.NotNull(admittedAt);
        Assert.InRange(admittedAt.Value, before.AddMilliseconds(-1), after);
        var at = new DateTimeOffset(2026, 12, 5, 7, 52, 30, 123, TimeSpan.Zero);
        Assert.Equal(at, ApplicationIds.AdmittedAt(Guid.CreateVersion7(at).ToString()));
    }

    [Theory]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e")] // version 4
    [InlineData("not-an-id")]
    [InlineData("")]
    [InlineData(null)]
    public void Any_other_value_tells_nothing(string? value) => Assert.Null(ApplicationIds.AdmittedAt(value));
}
