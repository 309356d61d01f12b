using CouponEvent.ApplyApi.Model;
using Microsoft.Net.Http.Headers;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// How a status answer tells a client when to ask again, so that a well-behaved client costs one request per change:
/// an <c>ETag</c> (a matching <c>If-None-Match</c> is answered 304), <c>Cache-Control</c>, <c>Retry-After</c> while the
/// coupon is on its way, and <c>Prefer: wait=N</c> (RFC 7240) to hold a 304 until the status changes.
/// </summary>
internal static class StatusPolling
{
    /// <summary>An issued coupon is final.</summary>
    private static readonly TimeSpan FinalFor = TimeSpan.FromHours(1);

    public static string ETag(ApplicationStatus s) =>
        s.IssuedAt is { } at ? $"\"{s.Status}-{at.ToUnixTimeMilliseconds()}\"" : $"\"{s.Status}\"";

    public static bool NotModified(HttpRequest request, string etag) =>
        request.GetTypedHeaders().IfNoneMatch.Any(t => t.Tag == etag || t.Tag == "*");

    /// <summary>How long the client is willing to wait for a change (<c>Prefer: wait=N</c>), at most <paramref name="max"/>.</summary>
    public static TimeSpan Wait(HttpRequest request, TimeSpan max)
    {
        foreach (var preference in request.Headers["Prefer"].SelectMany(v => (v ?? "").Split(',')))
        {
            var (name, value) = preference.Split('=', 2, StringSplitOptions.TrimEntries) is [var n, var v] ? (n, v) : ("", "");
            if (name.Equals("wait", StringComparison.OrdinalIgnoreCase) && int.TryParse(value, out var seconds) && seconds > 0)
                return TimeSpan.FromSeconds(Math.Min(seconds, max.TotalSeconds));
        }
        return TimeSpan.Zero;
    }

    public static void Describe(HttpResponse response, ApplicationStatus s, string etag, TimeSpan cacheFor)
    {
        response.Headers.ETag = etag;
        var maxAge = s.Status == ApplicationStatus.Issued ? FinalFor : cacheFor;
        response.Headers.CacheControl = $"private, max-age={(int)Math.Ceiling(maxAge.TotalSeconds)}";
        response.Headers.Vary = HeaderNames.Authorization;
        if (s.Status is ApplicationStatus.Accepted or ApplicationStatus.Retrying)
            response.Headers.RetryAfter = ((int)Math.Ceiling(cacheFor.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
