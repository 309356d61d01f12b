using CouponEvent.Data.Model;

namespace CouponEvent.Tests.Unit;

public sealed class EventIdsTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("black-friday-2026")]
    [InlineData("0")]
    public void Lower_case_ascii_letters_digits_and_dashes_are_valid(string id) => Assert.True(EventIds.IsValid(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-x")]
    [InlineData("Default")]
    [InlineData("a b")]
    [InlineData("a{b}")]
    [InlineData("café")]
    [InlineData("x\n")]
    public void Anything_else_is_invalid(string? id) => Assert.False(EventIds.IsValid(id));

    [Fact]
    public void Ids_are_at_most_64_characters()
    {
        Assert.True(EventIds.IsValid(new string('a', 64)));
        Assert.False(EventIds.IsValid(new string('a', 65)));
    }
}
