using System.Text;
using CouponEvent.Data.Messages;

namespace CouponEvent.Tests.Unit;

public sealed class CouponApplicationTests
{
    [Fact]
    public void A_message_round_trips_as_versioned_camel_case_json_without_its_key()
    {
        var application = CouponApplication.Create(Guid.NewGuid(), "default", "b3a1c9e2-4f5d-4a8e-9c1b-2d7e6f0a1b3c", DateTimeOffset.Parse("2026-11-24T06:00:00Z"));

        var json = Encoding.UTF8.GetString(application.ToUtf8Json());

        Assert.Contains("\"version\":1", json);
        Assert.Contains("\"eventId\":\"default\"", json);
        Assert.DoesNotContain("\"key\"", json);
        Assert.True(CouponApplication.TryParse(application.ToUtf8Json(), out var parsed, out _));
        Assert.Equal(application, parsed);
    }

    [Fact]
    public void A_message_from_before_applicants_were_subjects_names_its_user_by_the_numbers_digits()
    {
        var json = $$"""{"version":1,"applicationId":"{{Guid.NewGuid()}}","eventId":"e1","userId":42,"admittedAt":"2026-11-24T06:00:00Z"}""";
        Assert.True(CouponApplication.TryParse(Encoding.UTF8.GetBytes(json), out var parsed, out var error), error);
        Assert.Equal("42", parsed!.UserId);
    }

    [Fact]
    public void Unknown_fields_from_a_later_producer_are_ignored()
    {
        var json = $$"""{"version":1,"applicationId":"{{Guid.NewGuid()}}","eventId":"e1","userId":3,"admittedAt":"2026-11-24T06:00:00Z","channel":"web"}""";
        Assert.True(CouponApplication.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error), error);
    }

    [Theory]
    [InlineData("not json", "not a CouponApplication")]
    [InlineData("null", "empty message")]
    [InlineData("""{"version":2,"applicationId":"0b0f6c36-1f3a-4a5e-9a53-9b0a3c1d2e4f","eventId":"e","userId":1,"admittedAt":"2026-11-24T06:00:00Z"}""", "unsupported version 2")]
    [InlineData("""{"version":1,"eventId":"e","userId":1,"admittedAt":"2026-11-24T06:00:00Z"}""", "missing applicationId")]
    [InlineData("""{"version":1,"applicationId":"0b0f6c36-1f3a-4a5e-9a53-9b0a3c1d2e4f","eventId":"Bad Id","userId":1,"admittedAt":"2026-11-24T06:00:00Z"}""", "invalid eventId")]
    [InlineData("""{"version":1,"applicationId":"0b0f6c36-1f3a-4a5e-9a53-9b0a3c1d2e4f","eventId":"e","userId":"a b","admittedAt":"2026-11-24T06:00:00Z"}""", "invalid userId")]
    [InlineData("""{"version":1,"applicationId":"0b0f6c36-1f3a-4a5e-9a53-9b0a3c1d2e4f","eventId":"e","userId":"","admittedAt":"2026-11-24T06:00:00Z"}""", "invalid userId")]
    [InlineData("""{"version":1,"applicationId":"0b0f6c36-1f3a-4a5e-9a53-9b0a3c1d2e4f","eventId":"e","userId":1.5,"admittedAt":"2026-11-24T06:00:00Z"}""", "not a CouponApplication")]
    public void A_poison_message_is_refused_with_its_reason(string json, string reason)
    {
        Assert.False(CouponApplication.TryParse(Encoding.UTF8.GetBytes(json), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.StartsWith(reason, error);
    }
}
