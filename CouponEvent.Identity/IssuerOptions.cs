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

    /// <summary>
    /// The signing algorithm of its (ephemeral) key: RS256, what every OpenID Connect provider supports, or ES256
    /// (bench/README.md measures both on ApplyApi's hot path).
    /// </summary>
    [AllowedValues("RS256", "ES256")]
    public string SigningAlgorithm { get; set; } = "RS256";

    /// <summary>How long an access token lives.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
