using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>Access tokens that claim what a real one does, made without the issuer's key: what an attacker can make.</summary>
public static class Forgery
{
    /// <summary>A JWT with <c>alg: none</c> and no signature.</summary>
    public static string Unsigned(string issuer, string audience, string scope, string subject = "forger")
    {
        static string Part(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        return $"{Part("""{"alg":"none","typ":"at+jwt"}""")}.{Part($$"""{"iss":"{{issuer}}","aud":"{{audience}}","sub":"{{subject}}","scope":"{{scope}}","exp":{{exp}}}""")}.";
    }

    /// <summary>A well-formed RS256 JWT, signed with a key of its own.</summary>
    public static string SignedWithAKeyOfItsOwn(string issuer, string audience, string scope, DateTime expires, string subject = "forger")
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: true)) { KeyId = "forged" };
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["scope"] = scope },
            NotBefore = expires.AddMinutes(-30),
            IssuedAt = expires.AddMinutes(-30),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }
}
