using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Bearer tokens that the JwtBearer scheme has validated, remembered by their exact text until they expire
/// (<see cref="ApplicantTokenOptions.Remembered"/>), through the scheme's own events: a repeat (a winner's retry, a
/// poller's next status read) costs no second signature check, and a forgery differs in its text and is validated.
/// </summary>
public sealed class RememberedTokens(IOptions<ApplicantTokenOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Expires)> _validated = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>Hooks the scheme: a remembered token authenticates as before; a newly validated one is remembered.</summary>
    public void Attach(JwtBearerEvents events)
    {
        var received = events.OnMessageReceived;
        events.OnMessageReceived = async context =>
        {
            await received(context);
            if (context.Result is null && Token(context.Request) is { } token && Recall(token) is { } principal)
            {
                context.Principal = principal;
                context.Success();
            }
        };
        var validated = events.OnTokenValidated;
        events.OnTokenValidated = async context =>
        {
            await validated(context);
            if (context.Result is null && Token(context.Request) is { } token && context.Principal is { } principal)
                Remember(token, principal, context.SecurityToken.ValidTo);
        };
    }

    public ClaimsPrincipal? Recall(string token)
    {
        if (!_validated.TryGetValue(token, out var known)) return null;
        if (known.Expires > time.GetUtcNow()) return known.Principal;
        _validated.TryRemove(token, out _);
        return null;
    }

    private void Remember(string token, ClaimsPrincipal principal, DateTime validTo)
    {
        var limit = options.Value.Remembered;
        if (limit == 0 || validTo == DateTime.MinValue) return;
        if (Interlocked.Increment(ref _count) > limit)
        {
            _validated.Clear();
            Interlocked.Exchange(ref _count, 1);
        }
        _validated[token] = (principal, new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)));
    }

    public static string? Token(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header.AsSpan(7).Trim().ToString() : null;
    }
}
