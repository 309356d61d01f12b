using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// Degraded while the token issuer's discovery document and keys have never been fetched: requests with a token get 503 until
/// they are. Once fetched they are cached, so an issuer that goes away later degrades nothing (its keys still validate).
/// Degraded, not unhealthy: nothing but the issuer is wrong, the 503s say so, and the service recovers by itself once
/// the issuer answers; taking the replica out would turn those answers into refused connections.
/// </summary>
public sealed class TokenIssuerHealthCheck(IOptionsMonitor<JwtBearerOptions> bearer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var options = bearer.Get(JwtBearerDefaults.AuthenticationScheme);
        return await KeysFetchedAsync(options, cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded($"The token issuer at {options.Authority} cannot be reached: requests with a token get 503.");
    }

    /// <summary>Whether the issuer's configuration is at hand (cached, or fetched now).</summary>
    public static async Task<bool> KeysFetchedAsync(JwtBearerOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }
}
