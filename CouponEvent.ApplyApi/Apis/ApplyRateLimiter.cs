using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using CouponEvent.ApplyApi.Admission;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// A token bucket per client address on the apply endpoint: one machine cannot hog a burst meant for everyone.
/// The address is the remote IP; behind a proxy, configure forwarded headers so that it is the user's.
/// Per applicant, see <see cref="ApplicantRateLimiter"/>.
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
                return RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => Bucket(options.PermitsPerSecond, options.Burst));
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var refused = ApplyUseCase.Refused(ApplyOutcome.RateLimited, "", Refusal(context.Lease, context.HttpContext.Response));
                await Problems.For(refused).ExecuteAsync(context.HttpContext);
            };
        });
    }

    internal static TokenBucketRateLimiterOptions Bucket(int permitsPerSecond, int burst) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = permitsPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Sets <c>Retry-After</c> from the refused lease and says when to come back.</summary>
    internal static string Refusal(RateLimitLease lease, HttpResponse response)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return $"Try again in {seconds} s.";
    }
}

/// <summary>
/// A token bucket per applicant: one subject is one applicant, however many addresses or tokens it uses. Taken once the
/// token is validated, so a forged token cannot spend someone else's permits.
/// </summary>
public sealed class ApplicantRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(subject =>
        options.Value.SubjectPermitsPerSecond == 0
            ? RateLimitPartition.GetNoLimiter("off")
            : RateLimitPartition.GetTokenBucketLimiter(subject, _ => ApplyRateLimiter.Bucket(options.Value.SubjectPermitsPerSecond, options.Value.SubjectBurst)),
        StringComparer.Ordinal);

    /// <summary>Null when the applicant may go on; else what its 429 says (and <c>Retry-After</c> is set).</summary>
    public string? TryAcquire(string subject, HttpResponse response)
    {
        using var lease = _limiter.AttemptAcquire(subject);
        return lease.IsAcquired ? null : ApplyRateLimiter.Refusal(lease, response);
    }

    public void Dispose() => _limiter.Dispose();
}
