using System.ComponentModel.DataAnnotations;

namespace CouponEvent.Identity;

/// <summary>Section <c>Issuer</c>: the clients this issuer knows.</summary>
public sealed class IssuerOptions
{
    public const string SectionName = "Issuer";

    /// <summary>The secret of <c>couponevent-admin</c>, the operators' client (client credentials).</summary>
    [Required, MinLength(16)]
    public string AdminClientSecret { get; set; } = "";

    /// <summary>The <c>iss</c> of every token; unset, the address each request came to (OpenIddict's default).</summary>
    public Uri? Url { get; set; }

    /// <summary>How long an access token lives.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
