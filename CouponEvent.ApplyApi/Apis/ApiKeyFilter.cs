using System.Security.Cryptography;
using System.Text;
using CouponEvent.ApplyApi.Events;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>Admin endpoints: header <c>X-Api-Key</c> must equal <c>Admin:ApiKey</c> (compared in constant time).</summary>
internal sealed class ApiKeyFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    public const string HeaderName = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (string.IsNullOrEmpty(options.Value.ApiKey))
            return TypedResults.Problem(Problems.Of(StatusCodes.Status403Forbidden, "admin-disabled",
                "The admin API is disabled.", "Set Admin:ApiKey to enable it."));

        var given = context.HttpContext.Request.Headers[HeaderName].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(options.Value.ApiKey)))
            return TypedResults.Problem(Problems.Of(StatusCodes.Status401Unauthorized, "unauthorized",
                "A valid API key is required.", $"Send the admin key in header {HeaderName}."));

        return await next(context);
    }
}
