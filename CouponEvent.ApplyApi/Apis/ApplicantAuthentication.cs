using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Who applies: the subject of the request's bearer token, validated by the JwtBearer scheme every endpoint uses
/// (<see cref="TokenAuthorization"/>), with the apply scope. The apply endpoint asks for it itself, after the one answer
/// that needs no identity (<see cref="ClaimedSubject"/>).
/// </summary>
internal static class ApplicantAuthentication
{
    /// <param name="Challenge">The <c>WWW-Authenticate</c> of a 401.</param>
    public readonly record struct Applicant(string? Subject, ApplyOutcome Refusal, string? Detail, string? Challenge = null);

    /// <summary>
    /// The subject the bearer token claims, unverified: enough for an answer that is the same for every caller who did
    /// not win (sold out). Null when the request carries no readable token.
    /// </summary>
    public static string? ClaimedSubject(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return new JsonWebToken(header.AsSpan(7).Trim().ToString()).Subject;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The validated applicant, or the refusal: 401 (with <c>WWW-Authenticate</c>), 403, or 503 while the issuer's keys were never fetched.</summary>
    public static async Task<Applicant> AuthenticateAsync(HttpContext http)
    {
        AuthenticateResult result;
        try
        {
            result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException)
        {
            return new(null, ApplyOutcome.IdentityUnavailable, TokenAuthorization.IdentityUnavailableDetail);
        }

        if (result.Succeeded)
        {
            var subject = result.Principal.FindFirst("sub")?.Value;
            if (!TokenAuthorization.HasScope(result.Principal, IdentityContract.ApplyScope))
                return new(null, ApplyOutcome.Forbidden, $"The access token does not grant the scope {IdentityContract.ApplyScope}.");
            return IdentityContract.IsValidSubject(subject)
                ? new(subject, ApplyOutcome.Admitted, null)
                : new(null, ApplyOutcome.Forbidden,
                    $"The access token's subject is not an applicant id: 1 to {IdentityContract.MaxSubjectLength} printable ASCII characters, no spaces.");
        }

        var bearer = http.RequestServices.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        if (result.Failure is not null && !await TokenIssuerHealthCheck.KeysFetchedAsync(bearer, http.RequestAborted))
            return new(null, ApplyOutcome.IdentityUnavailable, TokenAuthorization.IdentityUnavailableDetail);
        return new(null, ApplyOutcome.Unauthenticated, TokenAuthorization.UnauthorizedDetail(result.Failure is not null),
            result.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"");
    }
}
