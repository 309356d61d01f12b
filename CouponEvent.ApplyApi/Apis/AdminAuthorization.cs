using System.Security.Cryptography;
using System.Text;
using CouponEvent.ApplyApi.Events;
using CouponEvent.Data;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// The admin endpoints' key: header <c>X-Api-Key</c> must equal <c>Admin:ApiKey</c> (compared in constant time). It is
/// an authorization policy, so ASP.NET Core's authorization middleware checks it before the endpoint binds anything: a
/// request without the key gets 401 whatever its body, which is never read.
/// </summary>
/// <remarks>
/// A key is no identity, and it is checked without an authentication scheme on purpose: once one is registered,
/// <c>WebApplication</c> puts the authentication middleware in front of every request, the apply path's included, where
/// it resolved a scoped handler provider for nothing (bench/README.md).
/// </remarks>
internal static class AdminAuthorization
{
    public const string Policy = "admin";

    public static IServiceCollection AddAdminAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddRequirements(new AdminKeyRequirement()));
        services.AddSingleton<IAuthorizationHandler, AdminKeyHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AdminKeyResultHandler>();
        return services;
    }

    private sealed class AdminKeyRequirement : IAuthorizationRequirement;

    /// <summary>Met by a request that carries the configured key (the resource is the request's HttpContext).</summary>
    private sealed class AdminKeyHandler(IOptions<AdminOptions> admin) : AuthorizationHandler<AdminKeyRequirement, HttpContext>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminKeyRequirement requirement, HttpContext http)
        {
            var key = admin.Value.ApiKey;
            if (!string.IsNullOrEmpty(key) && http.Request.Headers.TryGetValue(ApiHeaders.AdminKey, out var given)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(key)))
                context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// A refusal as problem details: 401 without a valid key, 403 when no key is configured at all. (The default
    /// handler would ask an authentication scheme to challenge, and there is none.)
    /// </summary>
    private sealed class AdminKeyResultHandler(IOptions<AdminOptions> admin, IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
    {
        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Succeeded)
            {
                await next(context);
                return;
            }
            var disabled = string.IsNullOrEmpty(admin.Value.ApiKey);
            var problem = disabled
                ? ProblemTypes.AdminDisabled.With("Set Admin:ApiKey to enable it.")
                : ProblemTypes.Unauthorized.With($"Send the admin key in header {ApiHeaders.AdminKey}.");
            context.Response.StatusCode = problem.Status!.Value;
            if (!disabled) context.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{ApiHeaders.AdminKey}\"";
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
        }
    }
}
