using System.Text.RegularExpressions;

namespace CouponEvent.Data.Model;

public static partial class EventIds
{
    /// <summary>The event that exists out of the box, as in the course.</summary>
    public const string Default = "default";

    public const int MaxLength = 64;

    /// <summary>1 to 64 characters: lower-case ASCII letters, digits and dashes, starting with a letter or digit
    /// (<c>\z</c>, not <c>$</c>, which would let a trailing newline through).
    /// Plain ASCII keeps ids safe inside Redis keys, Kafka keys and URLs.</summary>
    public const string Pattern = @"^[a-z0-9][a-z0-9-]{0,63}\z";

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex PatternRegex();

    public static bool IsValid(string? id) => id is not null && PatternRegex().IsMatch(id);
}
