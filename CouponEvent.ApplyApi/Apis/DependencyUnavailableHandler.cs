using CouponEvent.Data;
using CouponEvent.ServiceDefaults;
using Microsoft.AspNetCore.Diagnostics;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>Redis or MySQL away during a read: 503 problem details, not a 500.</summary>
internal sealed class DependencyUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var dependency = exception switch
        {
            // A broken request body is an IOException too: the framework's 400, not MySQL's 503.
            BadHttpRequestException => null,
            _ when RedisClientDefaults.IsUnavailable(exception) => "Redis",
            _ when MySqlFailure.Is(exception) => "MySQL",
            _ => null,
        };
        if (dependency is null) return false;

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = Problems.Unavailable(dependency),
            Exception = exception,
        });
    }
}
