using System.Collections.Concurrent;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Who applies: the subject of the request's bearer token, validated by the JwtBearer scheme every endpoint uses
/// (<see cref="TokenAuthorization"/>), with the apply scope. The apply endpoint asks for it itself, after the one answer
/// that needs no identity (<see cref="ClaimedSubject"/>). A token once validated is remembered, by its exact text,
/// until it expires (<see cref="ApplicantTokenOptions.Remembered"/>): a forgery differs in its text and is validated.
/// </summary>
public sealed class ApplicantAuthentication(IOptions<ApplicantTokenOptions> options, IOptionsMonitor<JwtBearerOptions> bearer, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string Subject, DateTimeOffset Expires)> _validated = new(StringComparer.Ordinal);
    private int _count;

    /// <param name="Challenge">The <c>WWW-Authenticate</c> of a 401.</param>
    public readonly record struct Applicant(string? Subject, ApplyOutcome Refusal, string? Detail, string? Challenge = null);

    /// <summary>
    /// The subject the bearer token claims, unverified: enough for an answer that is the same for every caller who did
    /// not win (sold out). Null when the request carries no readable token.
    /// </summary>
    public static string? ClaimedSubject(HttpRequest request)
    {
        if (Token(request) is not { } token) return null;
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
        var token = Token(http.Request);
        if (token is not null && _validated.TryGetValue(token, out var known))
        {
            if (known.Expires > time.GetUtcNow()) return new(known.Subject, ApplyOutcome.Admitted, null);
            _validated.TryRemove(token, out _);
        }

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
            if (IdentityContract.IsValidSubject(subject))
            {
                Remember(token!, subject!, result.Principal.FindFirst("exp")?.Value);
                return new(subject, ApplyOutcome.Admitted, null);
            }
            return new(null, ApplyOutcome.Forbidden,
                    $"The access token's subject is not an applicant id: 1 to {IdentityContract.MaxSubjectLength} printable ASCII characters, no spaces.");
        }

        if (result.Failure is not null && !await TokenIssuerHealthCheck.KeysFetchedAsync(bearer.Get(JwtBearerDefaults.AuthenticationScheme), http.RequestAborted))
            return new(null, ApplyOutcome.IdentityUnavailable, TokenAuthorization.IdentityUnavailableDetail);
        return new(null, ApplyOutcome.Unauthenticated, TokenAuthorization.UnauthorizedDetail(result.Failure is not null),
            result.Failure is null ? "Bearer" : "Bearer error=\"invalid_token\"");
    }

    private void Remember(string token, string subject, string? exp)
    {
        var limit = options.Value.Remembered;
        if (limit == 0 || !long.TryParse(exp, out var seconds)) return;
        if (Interlocked.Increment(ref _count) > limit)
        {
            _validated.Clear();
            Interlocked.Exchange(ref _count, 1);
        }
        _validated[token] = (subject, DateTimeOffset.FromUnixTimeSeconds(seconds));
    }

    private static string? Token(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header.AsSpan(7).Trim().ToString() : null;
    }
}
