using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// Every caller is an OAuth 2.0 bearer token from the configured issuer: applicants with the apply scope (the token's
/// <c>sub</c> is the applicant), operators with the admin scope. The issuer,
/// audiences and the rest are ASP.NET Core's standard section <c>Authentication:Schemes:Bearer</c> (<c>Authority</c>,
/// <c>ValidAudiences</c>, <c>ValidIssuers</c>, <c>RequireHttpsMetadata</c>, ...), so any OpenID Connect provider will do;
/// the local stack's is CouponEvent.Identity. Every refusal is a problem: 401 with <c>WWW-Authenticate: Bearer</c>,
/// 403 without the scope, 503 while the issuer's keys cannot be fetched. ApplyApi and the race view use it.
/// </summary>
public static class TokenAuthorization
{
    public const string AdminPolicy = "admin";

    /// <summary>ApplyApi's apply endpoint authenticates by itself (its <c>ApplicantAuthentication</c>); the applicant's status reads take this policy.</summary>
    public const string ApplicantPolicy = "applicant";

    public static void AddTokenAuthorization(this IHostApplicationBuilder builder)
    {
        // A lone scheme would become the default, and the authentication middleware would run it on every request, before
        // the apply path's sold-out answer (bench/README.md): it runs only where a policy names it, or the apply path asks.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        builder.Services.AddAuthentication().AddJwtBearer(bearer =>
        {
            // Claims as the token names them ("sub", "scope"), not as WS-Federation once did.
            bearer.MapInboundClaims = false;
            // How soon an issuer that was away, or that rotated its keys, is asked again (ASP.NET Core waits 5 minutes).
            bearer.RefreshInterval = TimeSpan.FromSeconds(30);
            bearer.Events = new JwtBearerEvents { OnChallenge = ChallengeAsync, OnForbidden = ForbiddenAsync };
        });
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            // After the configuration is bound, before JwtBearer's own post-configuration reads the audience.
            .Configure(bearer =>
            {
                // Tokens are for CouponEvent's API unless the configuration names other audiences.
                var tokens = bearer.TokenValidationParameters;
                if (bearer.Audience is null && tokens.ValidAudience is null && !(tokens.ValidAudiences?.Any() ?? false))
                    tokens.ValidAudience = IdentityContract.Audience;
            })
            .Validate(bearer => !string.IsNullOrEmpty(bearer.Authority) || !string.IsNullOrEmpty(bearer.MetadataAddress),
                "Authentication:Schemes:Bearer:Authority must name the token issuer.")
            .ValidateOnStart();
        builder.Services.AddHealthChecks().AddCheck<TokenIssuerHealthCheck>("token-issuer");
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => HasScope(context.User, IdentityContract.AdminScope)))
            .AddPolicy(ApplicantPolicy, policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => HasScope(context.User, IdentityContract.ApplyScope) &&
                    IdentityContract.IsValidSubject(context.User.FindFirst("sub")?.Value)));
    }

    /// <summary>
    /// Whether the token grants <paramref name="scope"/>: OAuth's <c>scope</c> claim is space-separated (RFC 9068);
    /// Entra ID names it <c>scp</c>.
    /// </summary>
    public static bool HasScope(System.Security.Claims.ClaimsPrincipal user, string scope) =>
        user.FindAll(c => c.Type is "scope" or "scp").Any(c => c.Value.Split(' ').Contains(scope));

    private static async Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        // A token was refused while the issuer's discovery document and keys have never been fetched: it was not judged.
        if (context.AuthenticateFailure is not null && !await TokenIssuerHealthCheck.KeysFetchedAsync(context.Options, http.RequestAborted))
        {
            await WriteAsync(http, ProblemTypes.IdentityUnavailable.With(IdentityUnavailableDetail));
            return;
        }
        http.Response.Headers.WWWAuthenticate = context.Error is null ? "Bearer" : $"Bearer error=\"{context.Error}\"";
        await WriteAsync(http, ProblemTypes.Unauthorized.With(UnauthorizedDetail(context.AuthenticateFailure is not null)));
    }

    /// <summary>Why a request got 401: no token, or one that did not validate.</summary>
    public static string UnauthorizedDetail(bool tokenRefused) => tokenRefused
        ? "The access token is not valid: wrong signature, issuer or audience, or expired. Get a new one from the issuer."
        : "Send an access token from the issuer in the Authorization header: Bearer <token>.";

    public const string IdentityUnavailableDetail = "The token issuer's keys could not be fetched. Nothing was recorded for this request: try again.";

    private static Task ForbiddenAsync(ForbiddenContext context) => WriteAsync(context.HttpContext, ProblemTypes.Forbidden.With(
        $"The access token does not grant what this endpoint needs: the scope {IdentityContract.AdminScope} for operators, " +
        $"{IdentityContract.ApplyScope} and an applicant subject for applicants."));

    private static Task WriteAsync(HttpContext http, Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status!.Value;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }).AsTask();
    }
}
