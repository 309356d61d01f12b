using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// A token bucket per client on the apply endpoint: one client cannot hog a burst meant for everyone.
/// The client is the remote IP; behind a proxy, configure forwarded headers so that it is the user's.
/// </summary>
internal static class ApplyRateLimiter
{
    public const string Policy = "apply";

    public static IServiceCollection AddApplyRateLimiter(this IServiceCollection services)
    {
        return services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(Policy, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                if (options.PermitsPerSecond == 0) return RateLimitPartition.GetNoLimiter("off");
                return RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ =>
                    new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = options.Burst,
                        TokensPerPeriod = options.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var refused = ApplyUseCase.Refused(ApplyOutcome.RateLimited, "", $"Try again in {seconds} s.");
                await Problems.For(refused).ExecuteAsync(context.HttpContext);
            };
        });
    }
}
