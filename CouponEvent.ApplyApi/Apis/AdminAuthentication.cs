using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using CouponEvent.ApplyApi.Events;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// The admin endpoints' authentication: header <c>X-Api-Key</c> must equal <c>Admin:ApiKey</c> (compared in constant
/// time). It runs in ASP.NET Core's authorization middleware, before the endpoint binds anything: a request without
/// the key gets 401 whatever its body, which is never read.
/// </summary>
internal static class AdminAuthentication
{
    public const string Scheme = "ApiKey";
    public const string Policy = "admin";
    public const string HeaderName = "X-Api-Key";

    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        // ASP.NET Core makes a lone scheme the default, and WebApplication adds the authentication middleware, which then
        // runs this handler on every request, the apply path's included (a profile showed it). Only the admin policy,
        // which names the scheme, should run it.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(Scheme, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    private sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory logger,
        UrlEncoder encoder, IOptions<AdminOptions> admin, IProblemDetailsService problems)
        : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var key = admin.Value.ApiKey;
            if (string.IsNullOrEmpty(key) || !Request.Headers.TryGetValue(HeaderName, out var given))
                return Task.FromResult(AuthenticateResult.NoResult());
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(key)))
                return Task.FromResult(AuthenticateResult.Fail($"Wrong {HeaderName}."));

            var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin")], AdminAuthentication.Scheme));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, AdminAuthentication.Scheme)));
        }

        /// <summary>401 without a valid key; 403 when no key is configured at all.</summary>
        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            var disabled = string.IsNullOrEmpty(admin.Value.ApiKey);
            var problem = disabled
                ? Problems.Of(StatusCodes.Status403Forbidden, "admin-disabled", "The admin API is disabled.", "Set Admin:ApiKey to enable it.")
                : Problems.Of(StatusCodes.Status401Unauthorized, "unauthorized", "A valid API key is required.", $"Send the admin key in header {HeaderName}.");
            Response.StatusCode = problem.Status!.Value;
            if (!disabled) Response.Headers.WWWAuthenticate = $"{AdminAuthentication.Scheme} header=\"{HeaderName}\"";
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
        }
    }
}
