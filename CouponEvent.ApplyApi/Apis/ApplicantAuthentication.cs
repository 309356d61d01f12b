using System.Security.Claims;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Who applies: the subject of the request's bearer token, validated by the JwtBearer scheme every endpoint uses
/// (<see cref="TokenAuthorization"/>), with the apply scope. The apply endpoint asks for it itself, after the one answer
/// that needs no identity (<see cref="ClaimedSubject"/>). A token the scheme validated once is not validated again
/// until it expires (<see cref="RememberedTokens"/>).
/// </summary>
public sealed class ApplicantAuthentication(RememberedTokens remembered, IOptionsMonitor<JwtBearerOptions> bearer)
{
    /// <param name="Challenge">The <c>WWW-Authenticate</c> of a 401.</param>
    public readonly record struct Applicant(string? Subject, ApplyOutcome Refusal, string? Detail, string? Challenge = null);

    /// <summary>
    /// The subject the bearer token claims, unverified: enough for an answer that is the same for every caller who did
    /// not win (sold out). Null when the request carries no readable token.
    /// </summary>
    public static string? ClaimedSubject(HttpRequest request)
    {
        if (RememberedTokens.Token(request) is not { } token) return null;
        try
        {
            return new JsonWebToken(token).Subject;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The validated applicant, or the refusal: 401 (with <c>WWW-Authenticate</c>), 403, or 503 while the issuer's keys were never fetched.</summary>
    public async Task<Applicant> AuthenticateAsync(HttpContext http)
    {
        // A remembered token straight from memory: the burst's hot path, without the scheme's machinery.
        if (RememberedTokens.Token(http.Request) is { } token && remembered.Recall(token) is { } known) return Judge(known);

        AuthenticateResult result;
        try
        {
            result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException)
        {
            return new(null, ApplyOutcome.IdentityUnavailable, TokenAuthorization.IdentityUnavailableDetail);
        }

        if (result.Succeeded) return Judge(result.Principal);

        if (result.Failure is not null && !await TokenIssuerHealthCheck.KeysFetchedAsync(bearer.Get(JwtBearerDefaults.AuthenticationScheme), http.RequestAborted))
            return new(null, ApplyOutcome.IdentityUnavailable, TokenAuthorization.IdentityUnavailableDetail);
        return new(null, ApplyOutcome.Unauthenticated, TokenAuthorization.UnauthorizedDetail(result.Failure is not null),
            result.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"");
    }

    /// <summary>A valid token's applicant: it must grant the apply scope and name an applicant id.</summary>
    private static Applicant Judge(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirst("sub")?.Value;
        if (!TokenAuthorization.HasScope(principal, IdentityContract.ApplyScope))
            return new(null, ApplyOutcome.Forbidden, $"The access token does not grant the scope {IdentityContract.ApplyScope}.");
        if (IdentityContract.IsValidSubject(subject)) return new(subject, ApplyOutcome.Admitted, null);
        return new(null, ApplyOutcome.Forbidden,
            $"The access token's subject is not an applicant id: 1 to {IdentityContract.MaxSubjectLength} printable ASCII characters, no spaces.");
    }
}
